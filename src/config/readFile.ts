// The first step of the loader: the file's text, or a problem that says why it cannot be read.
// Only regular files: `validate /dev/zero` must answer, not read forever.

import { readFile, stat } from 'node:fs/promises';
import type { ConfigProblem } from './types.js';
import { fileErrorCause as cause } from './findings.js';

/** Larger than any sane RunConfig; a bound so a wrong path cannot exhaust memory. */
const MAX_CONFIG_BYTES = 16 * 1024 * 1024;

export type ReadResult = { ok: true; text: string } | { ok: false; problem: ConfigProblem };

export async function readConfigFile(path: string): Promise<ReadResult> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return { ok: false, problem: { path: '', message: `cannot read the config file ${JSON.stringify(path)}: it is a directory` } };
    if (!info.isFile()) return { ok: false, problem: { path: '', message: `cannot read the config file ${JSON.stringify(path)}: not a regular file` } };
    if (info.size > MAX_CONFIG_BYTES) return { ok: false, problem: { path: '', message: `the config file ${JSON.stringify(path)} is larger than 16 MiB` } };
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (err) {
    return { ok: false, problem: { path: '', message: `cannot read the config file ${JSON.stringify(path)}: ${cause(err)}` } };
  }
}
