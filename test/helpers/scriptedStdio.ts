// A stdio MCP server written by the test itself (CommonJS source, run by node), with the proxy in
// front of it in-process — for tests that need exact control over what the child writes and
// when. The child finds the file to record what it reads in in `process.env.RECORD_FILE`.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfigFile } from '../../src/config/types.js';
import { startInProcess, type InProcessProxy } from './proxy.js';

type StartOpts = Parameters<typeof startInProcess>[1];

export interface ScriptedStdio {
  readonly proxy: InProcessProxy;
  /** The lines the child recorded, in order. */
  childLines(): string[];
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export async function startScriptedStdio(t: Teardown, script: string, config: Partial<RunConfigFile> = {}, opts: StartOpts = {}): Promise<ScriptedStdio> {
  const dir = mkdtempSync(join(tmpdir(), 'thv-scripted-'));
  const file = join(dir, 'child.cjs');
  const record = join(dir, 'lines.jsonl');
  writeFileSync(file, script);
  writeFileSync(record, '');
  const proxy = await startInProcess(
    { name: 'scripted', transport: 'stdio', command: process.execPath, cmd_args: [file], env_vars: { RECORD_FILE: record }, port: 0, ...config },
    { store: 'memory', ...opts },
  );
  t.teardown(() => proxy.close(1_000));
  return { proxy, childLines: () => readFileSync(record, 'utf8').trim().split('\n').filter((l) => l !== '') };
}
