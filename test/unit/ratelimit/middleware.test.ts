// SPEC §4 the rate-limit stage: what it limits, the exact 429, dry-run notes, and fail-open.
import t from 'tap';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { RequestContext, StageReport } from '../../../src/chain/types.js';
import type { Bucket, RateLimitConfig, ToolLimit } from '../../../src/config/types.js';
import type { McpMessage } from '../../../src/mcp/types.js';
import { Rejection } from '../../../src/errors.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMemoryStore } from '../../../src/ratelimit/memoryStore.js';
import { createRateLimitMiddleware } from '../../../src/ratelimit/middleware.js';
import type { BucketRef, Decision, TokenBucketStore } from '../../../src/ratelimit/store.js';

const HOUR = 3_600_000;

function rateLimit(shared: Bucket | null, tools: Record<string, Bucket>): RateLimitConfig {
  const map = new Map<string, ToolLimit>();
  for (const [name, b] of Object.entries(tools)) map.set(name, { name, shared: b, perUser: null });
  return { namespace: 'default', shared, perUser: null, tools: map };
}

function message(method: string, id: string | number | undefined, name?: string): McpMessage {
  return {
    kind: id === undefined ? 'notification' : 'request',
    method,
    id,
    params: name === undefined ? {} : { name, arguments: {} },
    resourceId: name,
    arguments: {},
    meta: undefined,
  };
}

function ctx(mcp: McpMessage | null, trace = false): RequestContext {
  return {
    httpMethod: 'POST',
    url: '/mcp',
    headers: {},
    clientIp: '127.0.0.1',
    req: null,
    res: null,
    body: null,
    mcp,
    note: null,
    trace: trace ? ([] as StageReport[]) : null,
    startNs: 0n, rejectedBy: undefined, reason: undefined, streaming: false, closeWatcher: null, watchesClose: false,
  };
}

/** A store that counts calls and can be made to fail. */
class FakeStore implements TokenBucketStore {
  readonly kind = 'redis' as const;
  calls = 0;
  failWith: Error | null = null;
  readonly #inner = createMemoryStore();
  consume(b: readonly BucketRef[], withState?: boolean): Promise<Decision> {
    this.calls++;
    return this.failWith ? Promise.reject(this.failWith) : this.#inner.consume(b, withState);
  }
  peek(b: readonly BucketRef[]): Promise<Decision> {
    this.calls++;
    return this.failWith ? Promise.reject(this.failWith) : this.#inner.peek(b);
  }
  connect(): Promise<void> {
    return Promise.resolve();
  }
  healthy(): Promise<boolean> {
    return Promise.resolve(true);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}

function setup(t: { teardown(fn: () => unknown): void }, rl: RateLimitConfig, mode: 'consume' | 'peek' = 'consume', logger = silentLogger()) {
  const store = new FakeStore();
  t.teardown(() => store.close());
  const mw = createRateLimitMiddleware({ serverName: 'github', rateLimit: rl }, { store, logger, mode });
  return { store, mw };
}

t.test('§4 only tools/call is limited: other methods return synchronously with no store call', async (t) => {
  const { store, mw } = setup(t, rateLimit({ maxTokens: 1, refillPeriodMs: HOUR }, {}));
  t.equal(mw.name, 'rate-limit');
  for (const m of ['tools/list', 'initialize', 'prompts/get', 'resources/read', 'notifications/initialized']) {
    for (let i = 0; i < 3; i++) t.equal(mw.handle(ctx(message(m, 1, 'x'))), undefined, m);
  }
  t.equal(mw.handle(ctx(null)), undefined, 'GET/DELETE (no message)');
  const response: McpMessage = { ...message('tools/call', 1), kind: 'response', method: undefined };
  t.equal(mw.handle(ctx(response)), undefined, 'a JSON-RPC response');
  t.equal(store.calls, 0);
});

t.test('§4 a tool without a bucket and no server bucket costs no store call', async (t) => {
  const { store, mw } = setup(t, rateLimit(null, { search: { maxTokens: 1, refillPeriodMs: HOUR } }));
  t.equal(mw.handle(ctx(message('tools/call', 1, 'other'))), undefined);
  t.equal(mw.handle(ctx(message('tools/call', 1))), undefined, 'no params.name');
  t.equal(store.calls, 0);
});

t.test('§4 the 429: exact body, Retry-After header and scope', async (t) => {
  const { mw } = setup(t, rateLimit({ maxTokens: 100, refillPeriodMs: HOUR }, { search: { maxTokens: 2, refillPeriodMs: 60_000 } }));
  t.equal(await mw.handle(ctx(message('tools/call', 1, 'search'))), undefined);
  t.equal(await mw.handle(ctx(message('tools/call', 2, 'search'))), undefined);
  const r = await mw.handle(ctx(message('tools/call', 'req-3', 'search')));
  t.ok(r instanceof Rejection);
  const rej = r as Rejection;
  t.equal(rej.status, 429);
  t.same(rej.response().headers, { 'content-type': 'application/json', 'retry-after': '30', 'content-length': String(Buffer.byteLength(rej.body())) });
  t.equal(
    rej.body(),
    '{"jsonrpc":"2.0","id":"req-3","error":{"code":-32029,"message":"Rate limit exceeded","data":{"retryAfterSeconds":30,"scope":"tool:search"}}}',
  );
  t.equal(await mw.handle(ctx(message('tools/call', 4, 'other'))), undefined, 'other tools still pass');
});

t.test('§4 the shared scope, and a notification rejected without an id', async (t) => {
  const { mw } = setup(t, rateLimit({ maxTokens: 1, refillPeriodMs: 5000 }, {}));
  await mw.handle(ctx(message('tools/call', 1, 'a')));
  const r = (await mw.handle(ctx(message('tools/call', undefined, 'b')))) as Rejection;
  t.equal(r.body(), '{"jsonrpc":"2.0","error":{"code":-32029,"message":"Rate limit exceeded","data":{"retryAfterSeconds":5,"scope":"shared"}}}');
});

t.test('§1 dry-run notes: allowed and rejected summaries with bucket facts', async (t) => {
  const { mw } = setup(t, rateLimit({ maxTokens: 100, refillPeriodMs: HOUR }, { search: { maxTokens: 5, refillPeriodMs: 60_000 } }));
  const c = ctx(message('tools/call', 1, 'search'), true);
  t.equal(await mw.handle(c), undefined);
  t.equal(c.note!.summary, 'allowed (shared 99/100, tool:search 4/5)');
  t.same((c.note!.facts!.buckets as { scope: string }[]).map((b) => b.scope), ['shared', 'tool:search']);
  t.match((c.note!.facts!.buckets as { key: string }[])[1]!.key, 'thv:rl:{default:github}:shared:tool:search');
  for (let i = 0; i < 4; i++) await mw.handle(ctx(message('tools/call', 1, 'search')));
  const r = ctx(message('tools/call', 1, 'search'), true);
  t.ok((await mw.handle(r)) instanceof Rejection);
  t.match(r.note!.summary, /^rejected by tool:search \(0(\.0)?\/5, retry in 12s\)$/);
});

t.test('§1 peek mode (dry-run without --consume) reads, still rejects, and consumes nothing', async (t) => {
  const rl = rateLimit({ maxTokens: 1, refillPeriodMs: HOUR }, {});
  const store = createMemoryStore();
  t.teardown(() => store.close());
  const consume = createRateLimitMiddleware({ serverName: 'github', rateLimit: rl }, { store, logger: silentLogger(), mode: 'consume' });
  const peek = createRateLimitMiddleware({ serverName: 'github', rateLimit: rl }, { store, logger: silentLogger(), mode: 'peek' });
  for (let i = 0; i < 3; i++) {
    const c = ctx(message('tools/call', 1, 'x'), true);
    t.equal(await peek.handle(c), undefined);
    t.equal(c.note!.summary, 'allowed (shared 1/1)');
  }
  t.equal(await consume.handle(ctx(message('tools/call', 1, 'x'))), undefined, 'peeks took no token');
  const c = ctx(message('tools/call', 1, 'x'), true);
  t.ok((await peek.handle(c)) instanceof Rejection, 'dry-run shows the 429');
  t.match(c.note!.summary, /^rejected by shared/);
});

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

t.test('§4 fail-open: a failing store allows, counts, and warns once per interval', async (t) => {
  const log = capture();
  const { store, mw } = setup(t, rateLimit({ maxTokens: 1, refillPeriodMs: HOUR }, {}), 'consume', log.logger);
  store.failWith = new Error('Connection is closed.');
  for (let i = 0; i < 50; i++) t.equal(await mw.handle(ctx(message('tools/call', i, 'x'))), undefined);
  t.equal(mw.failOpen.count, 50);
  t.equal(mw.failOpen.lastCause, 'Connection is closed.');
  const warnings = log.lines().filter((l) => l.level === 40);
  t.equal(warnings.length, 1, 'one warning, not one per request');
  t.equal(warnings[0]!.failOpen, 1);
  const c = ctx(message('tools/call', 99, 'x'), true);
  t.equal(await mw.handle(c), undefined);
  t.match(c.note!.summary, /fail-open/);

  store.failWith = null;
  t.equal(await mw.handle(ctx(message('tools/call', 1, 'x'))), undefined, 'first call after recovery');
  t.ok((await mw.handle(ctx(message('tools/call', 1, 'x')))) instanceof Rejection, 'limiting resumed');
  const after = log.lines().filter((l) => l.level === 40);
  t.equal(after.length, 2, 'recovery reports the failures the warning did not count');
  t.equal(after[1]!.failOpen, 50);
  t.equal(after[1]!.failOpenTotal, 51);
});
