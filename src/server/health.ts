// GET /health and GET /ready, answered by the proxy itself before the chain (SPEC §6). /health
// says the process serves; /ready says its dependencies answer (Redis when rate limiting uses it,
// the upstream), and names the one that does not.

import type { ServerResponse } from 'node:http';
import type { Terminal } from '../chain/types.js';
import type { TokenBucketStore } from '../ratelimit/store.js';

/** Bound of each dependency check behind /ready. */
export const READY_CHECK_TIMEOUT_MS = 2000;

const HEALTH_BODY = '{"status":"ok"}';
const READY_BODY = '{"status":"ready"}';

export type Probe = 'health' | 'ready';

/** Which probe a GET url asks for, if any (query ignored). */
export function probeOf(url: string): Probe | undefined {
  if (url === '/health' || url.startsWith('/health?')) return 'health';
  if (url === '/ready' || url.startsWith('/ready?')) return 'ready';
  return undefined;
}

function writeJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
  });
  res.end(body);
}

export function answerHealth(res: ServerResponse): void {
  writeJson(res, 200, HEALTH_BODY);
}

async function storeFailure(store: TokenBucketStore, timeoutMs: number): Promise<string | undefined> {
  try {
    return (await store.healthy(timeoutMs)) ? undefined : `${store.kind} did not answer within ${timeoutMs} ms`;
  } catch (err) {
    return `${store.kind}: ${(err as Error).message}`;
  }
}

async function upstreamFailure(terminal: Terminal, timeoutMs: number): Promise<string | undefined> {
  if (!terminal.check) return undefined;
  try {
    return await terminal.check(timeoutMs);
  } catch (err) {
    return (err as Error).message;
  }
}

/** 200 {"status":"ready"}, or 503 {"status":"not ready","failed":{"redis": why, "upstream": why}}. */
export async function answerReady(res: ServerResponse, store: TokenBucketStore | null, terminal: Terminal): Promise<void> {
  const [storeWhy, upstreamWhy] = await Promise.all([
    store ? storeFailure(store, READY_CHECK_TIMEOUT_MS) : undefined,
    upstreamFailure(terminal, READY_CHECK_TIMEOUT_MS),
  ]);
  if (res.destroyed) return;
  if (storeWhy === undefined && upstreamWhy === undefined) {
    writeJson(res, 200, READY_BODY);
    return;
  }
  const failed: Record<string, string> = {};
  if (storeWhy !== undefined) failed[store!.kind === 'redis' ? 'redis' : 'store'] = storeWhy;
  if (upstreamWhy !== undefined) failed.upstream = upstreamWhy;
  writeJson(res, 503, JSON.stringify({ status: 'not ready', failed }));
}
