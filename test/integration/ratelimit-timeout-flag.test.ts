// SPEC §4 "a check slower than its bound (250 ms by default) lets the request through", with the
// bound set by `--rate-limit-timeout` (SPEC §1 flags of run and dry-run), through the real binary
// (needs dist/: `npx tsc -p tsconfig.json`). Redis sits behind a relay that answers every check
// 400 ms late: a bound below that fails open, a bound above it gets Redis's real answer.
import t from 'tap';
import type { RunConfigFile } from '../../src/config/types.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { startSlowRedis, type SlowRedis } from '../helpers/slowRedis.js';
import { httpConfig, spawnProxy, writeConfigFile } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { thv } from '../helpers/dryrunCli.js';

const CHECK_DELAY_MS = 400;
const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}';

let redis: RedisHandle;
let slow: SlowRedis;
let upstreamPort: number;
t.before(async () => {
  redis = await startRedis();
  slow = await startSlowRedis(redis.port, CHECK_DELAY_MS);
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  upstreamPort = upstream.port;
  t.teardown(() => upstream.close());
});
t.teardown(async () => {
  await slow.close();
  await redis.stop();
});

/** One token per hour for tool "search": a second call is a 429 unless the check failed open. */
function config(name: string): RunConfigFile {
  return httpConfig(upstreamPort, {
    name,
    rate_limit_config: { tools: [{ name: 'search', shared: { maxTokens: 1, refillPeriod: '1h' } }] },
    scaling_config: { session_redis: { address: `127.0.0.1:${slow.port}` } },
  });
}

async function twoCalls(endpoint: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let id = 1; id <= 2; id++) {
    const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'search', arguments: {} } });
    const r = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
    await r.arrayBuffer();
    statuses.push(r.status);
  }
  return statuses;
}

const failedOpen = (lines: readonly string[]): boolean => lines.some((l) => l.includes('fail-open'));

t.test('§4 run: the default bound (250 ms) fails a 400 ms check open', async (t) => {
  const proxy = await spawnProxy(config('timeout-default'));
  t.teardown(() => proxy.stop());
  t.same(await twoCalls(proxy.endpoint), [200, 200], 'both allowed: neither check was answered in time');
  t.ok(failedOpen(proxy.stdoutLines), 'the fail-open warning was logged');
});

t.test('§4 run --rate-limit-timeout 50ms: a 400 ms check fails open', async (t) => {
  const proxy = await spawnProxy(config('timeout-short'), ['--rate-limit-timeout', '50ms']);
  t.teardown(() => proxy.stop());
  t.same(await twoCalls(proxy.endpoint), [200, 200]);
  t.ok(failedOpen(proxy.stdoutLines), 'the fail-open warning was logged');
});

t.test('§4 run --rate-limit-timeout 4s: a 400 ms check is waited for, and limits', async (t) => {
  const proxy = await spawnProxy(config('timeout-long'), ['--rate-limit-timeout', '4s']);
  t.teardown(() => proxy.stop());
  t.same(await twoCalls(proxy.endpoint), [200, 429], 'the second call is rate limited');
  t.notOk(failedOpen(proxy.stdoutLines), 'no check failed open');
});

t.test('§1 dry-run: waits 5 s by default; --rate-limit-timeout lowers the bound', async (t) => {
  const path = writeConfigFile(config('timeout-dry-run'));
  const waited = await thv(['dry-run', '--config', path, '--request', CALL]);
  t.equal(waited.code, 0, waited.stderr);
  t.match(waited.stdout, /\nrate-limit: allowed \(tool:search 1\/1\)\n/, "Redis's real answer");

  const short = await thv(['dry-run', '--config', path, '--request', CALL, '--rate-limit-timeout', '50ms']);
  t.equal(short.code, 0, short.stderr);
  t.match(short.stdout, /\nrate-limit: allowed unchecked: store failed \(fail-open\)/);
});
