// Where dry-run's request comes from (`--request <json | @file | ->`) and the headers it carries.
// Problems here are usage errors (exit 2): the config is fine, the invocation is not.

import { readFile } from 'node:fs/promises';
import type { IncomingHttpHeaders } from 'node:http';
import { ThvError } from '../errors.js';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The request body exactly as a client would send it: bytes, not a re-serialised object. */
export async function readRequestSource(source: string | undefined): Promise<Buffer> {
  if (source === undefined || source === '') {
    throw new ThvError('THV_ERR_USAGE', 'dry-run needs --request <json | @file | ->');
  }
  if (source === '-') return await readStdin();
  if (source.startsWith('@')) {
    const path = source.slice(1);
    try {
      return await readFile(path);
    } catch (err) {
      const cause = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      throw new ThvError('THV_ERR_USAGE', `--request ${source}: cannot read file "${path}" (${cause})`);
    }
  }
  return Buffer.from(source, 'utf8');
}

/**
 * Headers of the simulated client: what an MCP client sends by default, then every
 * `--header 'Name: value'` (which wins; names are case-insensitive like HTTP's).
 */
export function buildHeaders(headerArgs: readonly string[], host: string, port: number, bodyLength: number): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = {
    host: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'content-length': String(bodyLength),
  };
  for (const arg of headerArgs) {
    const colon = arg.indexOf(':');
    const name = colon > 0 ? arg.slice(0, colon).trim().toLowerCase() : '';
    if (!name || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) {
      throw new ThvError('THV_ERR_USAGE', `--header "${arg}": expected "Name: value"`);
    }
    headers[name] = arg.slice(colon + 1).trim();
  }
  return headers;
}
