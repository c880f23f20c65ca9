// SPEC §4 and §8 through the whole proxy (in-process, real loader, real redis-server killed and
// restarted mid-traffic):
// - the log names the store and its address at startup (never the password), and says in plain
//   words when the link to Redis drops and when it returns — once per transition, not per request;
// - `--rate-limit-failure-mode closed` answers 503 / -32603 while Redis is down, never hangs, and
//   limits again once Redis is back; the default (open) lets the calls through meanwhile.
import t, { type Test } from 'tap';
import type { RunConfigFile } from '../../src/config/types.js';
import type { RateLimitFailureMode } from '../../src/ratelimit/index.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { httpConfig, startInProcess, type InProcessProxy, type LogLine } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';

const PASSWORD = 'pw-link-test-never-logged';

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

let seq = 0;
async function toolCall(endpoint: string): Promise<{ status: number; body: string; ms: number }> {
  const start = performance.now();
  const r = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++seq, method: 'tools/call', params: { name: 'search', arguments: {} } }),
  });
  const body = await r.text();
  return { status: r.status, body, ms: performance.now() - start };
}

async function setup(t: Test, name: string, failureMode: RateLimitFailureMode | undefined): Promise<{ redis: RedisHandle; proxy: InProcessProxy }> {
  const redis = await startRedis({ password: PASSWORD });
  t.teardown(() => redis.stop());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  const file: RunConfigFile = httpConfig(upstream.port, {
    name,
    rate_limit_config: { tools: [{ name: 'search', shared: { maxTokens: 2, refillPeriod: '1h' } }] },
    scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } },
  });
  process.env['THV_SESSION_REDIS_PASSWORD'] = PASSWORD;
  const proxy = await startInProcess(file, { rateLimitFailureMode: failureMode, rateLimitTimeoutMs: 1000 });
  t.teardown(() => proxy.close(1000));
  return { redis, proxy };
}

const messages = (logs: readonly LogLine[], re: RegExp): LogLine[] => logs.filter((l) => typeof l.msg === 'string' && re.test(l.msg));

/** Until the proxy's /ready says Redis answers again (ioredis reconnects with a backoff capped at 2 s). */
async function untilReady(proxy: InProcessProxy): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const r = await fetch(`${proxy.url}/ready`);
    await r.arrayBuffer();
    if (r.status === 200) return;
    await sleep(100);
  }
  throw new Error('Redis not ready again within 15 s');
}

t.test('§8 startup names the store and its address; the link dropping and returning is said once each', async (t) => {
  const { redis, proxy } = await setup(t, 'link-logs', undefined);
  const address = `127.0.0.1:${redis.port}`;
  const startup = messages(proxy.logs, /^rate limits stored in Redis at /);
  t.equal(startup.length, 1, 'one startup line for the store');
  t.equal(startup[0]!.msg, `rate limits stored in Redis at ${address} (connected)`);
  t.equal(startup[0]!['redis'], address);
  t.ok(proxy.logs.findIndex((l) => l === startup[0]) < proxy.logs.findIndex((l) => /thv-proxy serving/.test(String(l.msg))), 'before the serving line');

  t.equal((await toolCall(proxy.endpoint)).status, 200);
  await redis.kill();
  // Traffic during the outage: many requests, yet one "lost" line.
  for (let i = 0; i < 30; i++) t.equal((await toolCall(proxy.endpoint)).status, 200, `call ${i} fails open`);
  await sleep(1500); // several reconnect attempts fail meanwhile
  const lost = messages(proxy.logs, /^lost connection to Redis/);
  t.equal(lost.length, 1, 'one line for the drop, not one per request or per reconnect attempt');
  t.equal(lost[0]!.msg, `lost connection to Redis at ${address}; rate limits fail open until it is back`);
  t.equal(lost[0]!.level, 40, 'a warning');

  await redis.restart();
  await untilReady(proxy);
  const back = messages(proxy.logs, /^reconnected to Redis/);
  t.equal(back.length, 1, 'one line for the return');
  t.equal(back[0]!.msg, `reconnected to Redis at ${address}; rate limiting resumed`);

  // A second outage is a second transition: one more pair.
  await redis.kill();
  await toolCall(proxy.endpoint);
  await sleep(500);
  await redis.restart();
  await untilReady(proxy);
  t.equal(messages(proxy.logs, /^lost connection to Redis/).length, 2);
  t.equal(messages(proxy.logs, /^reconnected to Redis/).length, 2);
  t.notMatch(JSON.stringify(proxy.logs), PASSWORD, 'the password is in no log line');
});

t.test('§4 --rate-limit-failure-mode closed: 503 / -32603 while Redis is down, fast; limiting again after', async (t) => {
  const { redis, proxy } = await setup(t, 'closed-mode', 'closed');
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push((await toolCall(proxy.endpoint)).status);
  t.same(statuses, [200, 200, 429], 'limits while Redis is up');

  // Killed with requests in flight.
  const inFlight = Array.from({ length: 10 }, () => toolCall(proxy.endpoint));
  await redis.kill();
  const during = await Promise.all(inFlight);
  t.ok(during.every((r) => r.status === 429 || r.status === 503), `in flight: ${during.map((r) => r.status).join(',')}`);

  let slowest = 0;
  for (let i = 0; i < 20; i++) {
    const r = await toolCall(proxy.endpoint);
    slowest = Math.max(slowest, r.ms);
    t.equal(r.status, 503, `call ${i} refused while Redis is down`);
    t.same(JSON.parse(r.body), { jsonrpc: '2.0', id: seq, error: { code: -32603, message: 'Rate limiter unavailable' } });
  }
  t.ok(slowest < 1000, `never hangs: slowest ${slowest.toFixed(0)} ms`);
  const list = await fetch(proxy.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: '{"jsonrpc":"2.0","id":"l","method":"tools/list"}',
  });
  await list.arrayBuffer();
  t.equal(list.status, 200, 'methods that are not limited do not need Redis');

  await sleep(300);
  const lost = messages(proxy.logs, /^lost connection to Redis/);
  t.equal(lost.length, 1);
  t.match(lost[0]!.msg, /refused with 503 \(failure mode closed\) until it is back$/);
  const refused = proxy.requestLogs().filter((l) => l['status'] === 503);
  t.ok(refused.length >= 20);
  t.equal(refused[0]!['rejectedBy'], 'rate-limit');

  await redis.restart();
  await untilReady(proxy);
  const after: number[] = [];
  for (let i = 0; i < 3; i++) after.push((await toolCall(proxy.endpoint)).status);
  t.same(after, [200, 200, 429], 'limiting again (the restarted Redis starts the bucket full)');
});
