// A RequestContext built directly, as dry-run builds one: no live request, the body given.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestContext, StageReport } from '../../../src/chain/types.js';

export function makeContext(opts: {
  method?: string;
  headers?: IncomingHttpHeaders;
  body?: Buffer | string | null;
  trace?: boolean;
}): RequestContext {
  const body = opts.body === undefined || opts.body === null ? null : Buffer.isBuffer(opts.body) ? opts.body : Buffer.from(opts.body);
  return {
    httpMethod: opts.method ?? 'POST',
    url: '/mcp',
    headers: opts.headers ?? { host: 'localhost:8080', 'content-type': 'application/json' },
    clientIp: '127.0.0.1',
    req: null,
    res: null,
    body,
    mcp: null,
    note: null,
    trace: opts.trace ? ([] as StageReport[]) : null,
    startNs: 0n,
    rejectedBy: undefined,
    reason: undefined,
    streaming: false,
    closeWatcher: null,
    watchesClose: false,
  };
}

/** The client-visible parts of a rejection: status and the parsed JSON-RPC body. */
export function visible(r: { status: number; body(): string }): { status: number; body: Record<string, unknown> } {
  return { status: r.status, body: JSON.parse(r.body()) as Record<string, unknown> };
}
