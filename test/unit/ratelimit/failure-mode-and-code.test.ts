// SPEC §4 `--rate-limit-failure-mode open|closed` and `--rate-limit-code <-32029|429>` at the
// stage: closed answers 503 / -32603 while the store fails (and says so in the log and in dry-run);
// the code changes only the JSON-RPC code of the 429 — status, Retry-After and data stay.
import t from 'tap';
import type { RequestContext, StageReport } from '../../../src/chain/types.js';
import type { RateLimitConfig } from '../../../src/config/types.js';
import { Rejection } from '../../../src/errors.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMemoryStore } from '../../../src/ratelimit/memoryStore.js';
import { createRateLimitMiddleware, type RateLimitBehaviour } from '../../../src/ratelimit/middleware.js';
import type { BucketRef, Decision, TokenBucketStore } from '../../../src/ratelimit/store.js';
import { captureLogger } from '../../helpers/webhookServer.js';

const rateLimit: RateLimitConfig = {
  namespace: 'default',
  shared: null,
  perUser: null,
  tools: new Map([['search', { name: 'search', shared: { maxTokens: 1, refillPeriodMs: 60_000 }, perUser: null }]]),
};

function call(id: string | number, trace = false): RequestContext {
  return {
    httpMethod: 'POST', url: '/mcp', headers: {}, clientIp: '127.0.0.1', req: null, res: null, body: null, note: null,
    trace: trace ? ([] as StageReport[]) : null, startNs: 0n, rejectedBy: undefined, reason: undefined, streaming: false, closeWatcher: null, watchesClose: false,
    mcp: { kind: 'request', method: 'tools/call', id, params: { name: 'search' }, resourceId: 'search', arguments: {}, meta: undefined },
  };
}

/** A store whose checks fail as an unreachable Redis's do. */
class DownStore implements TokenBucketStore {
  readonly kind = 'redis' as const;
  consume(_b: readonly BucketRef[]): Promise<Decision> {
    return Promise.reject(new Error("Stream isn't writeable and enableOfflineQueue options is false"));
  }
  peek(b: readonly BucketRef[]): Promise<Decision> {
    return this.consume(b);
  }
  connect(): Promise<void> {
    return Promise.resolve();
  }
  healthy(): Promise<boolean> {
    return Promise.resolve(false);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

function stage(store: TokenBucketStore, behaviour: RateLimitBehaviour, logger = silentLogger(), mode: 'consume' | 'peek' = 'consume') {
  return createRateLimitMiddleware({ serverName: 'github', rateLimit }, { ...behaviour, store, logger, mode });
}

t.test('§4 failure mode open (the default): a failed check lets the call through', async (t) => {
  for (const behaviour of [{}, { failureMode: 'open' as const }]) {
    const mw = stage(new DownStore(), behaviour);
    t.equal(await mw.handle(call(1)), undefined, JSON.stringify(behaviour));
    t.equal(mw.failOpen.count, 1);
  }
});

t.test('§4 failure mode closed: a failed check answers 503 with JSON-RPC -32603, counted and warned once', async (t) => {
  const log = captureLogger();
  const mw = stage(new DownStore(), { failureMode: 'closed' }, log.logger);
  for (let i = 0; i < 20; i++) {
    const r = await mw.handle(call(`c-${i}`));
    t.ok(r instanceof Rejection, `call ${i} refused`);
    const rej = r as Rejection;
    t.equal(rej.kind, 'RATE_LIMIT_UNAVAILABLE');
    t.equal(rej.status, 503);
    t.equal(rej.body(), `{"jsonrpc":"2.0","id":"c-${i}","error":{"code":-32603,"message":"Rate limiter unavailable"}}`);
    t.match(rej.reason, /failure mode closed/);
  }
  t.equal(mw.failOpen.count, 20);
  const warnings = log.lines().filter((l) => l['level'] === 40);
  t.equal(warnings.length, 1, 'one warning, not one per request');
  t.match(warnings[0]!['msg'], /refusing rate-limited requests with 503 \(failure mode closed\)/);
  t.notMatch(log.text(), /fail-open/, 'nothing says fail-open');
});

t.test('§4 failure mode closed changes nothing while the store answers', async (t) => {
  const store = createMemoryStore();
  t.teardown(() => store.close());
  const mw = stage(store, { failureMode: 'closed' });
  t.equal(await mw.handle(call(1)), undefined);
  const r = (await mw.handle(call(2))) as Rejection;
  t.equal(r.status, 429, 'an empty bucket is still a 429');
  const list = call(3);
  list.mcp = { ...list.mcp!, method: 'tools/list', resourceId: undefined };
  t.equal(mw.handle(list), undefined, 'other methods never touch the store');
});

t.test('§1 dry-run with failure mode closed shows the 503 and why', async (t) => {
  const mw = stage(new DownStore(), { failureMode: 'closed' }, silentLogger(), 'peek');
  const c = call(7, true);
  const r = await mw.handle(c);
  t.ok(r instanceof Rejection && r.status === 503);
  t.match(c.note!.summary, /^refused: store failed \(failure mode closed\): Stream isn't writeable/);
});

t.test('§4 --rate-limit-code: -32029 by default, 429 when asked; status, Retry-After and data unchanged', async (t) => {
  const bodies: Record<string, string> = {};
  const headers: Record<string, Record<string, string>> = {};
  for (const [label, behaviour] of [
    ['default', {}],
    ['-32029', { code: -32029 }],
    ['429', { code: 429 }],
  ] as const) {
    const store = createMemoryStore();
    t.teardown(() => store.close());
    const mw = stage(store, behaviour);
    t.equal(await mw.handle(call(1)), undefined);
    const r = (await mw.handle(call(2))) as Rejection;
    t.equal(r.status, 429, `${label}: HTTP 429`);
    bodies[label] = r.body();
    const { 'content-length': length, ...rest } = r.response().headers;
    t.equal(length, String(Buffer.byteLength(r.body())), `${label}: Content-Length of its own body`);
    headers[label] = rest;
  }
  t.equal(bodies['default'], '{"jsonrpc":"2.0","id":2,"error":{"code":-32029,"message":"Rate limit exceeded","data":{"retryAfterSeconds":60,"scope":"tool:search"}}}');
  t.equal(bodies['-32029'], bodies['default']);
  t.equal(bodies['429'], '{"jsonrpc":"2.0","id":2,"error":{"code":429,"message":"Rate limit exceeded","data":{"retryAfterSeconds":60,"scope":"tool:search"}}}');
  t.same(headers['429'], { 'content-type': 'application/json', 'retry-after': '60' });
  t.same(headers['429'], headers['default']);
});
