// SPEC §4/§1 with real `thv-proxy run` processes (needs dist/: `npx tsc -p tsconfig.json`):
// three proxies on one Redis enforce one limit; Redis down at startup is exit 3 within 6 s,
// naming the address and the cause but never the password.
import t from 'tap';
import type { RunConfigFile } from '../../src/config/types.js';
import { startRedis } from '../helpers/redis.js';
import { freePort } from '../helpers/ports.js';
import { httpConfig, runCli, spawnProxy, writeConfigFile } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';

function call(endpoint: string, id: number): Promise<number> {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'search', arguments: {} } });
  return fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body }).then(
    async (r) => {
      await r.arrayBuffer();
      return r.status;
    },
  );
}

t.test('§4 three proxy processes on one Redis: the sum of allowed calls equals the capacity', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const file: RunConfigFile = httpConfig(upstream.port, {
    name: 'replicated',
    // 30 per hour: refill during the test stays far below one token.
    rate_limit_config: { tools: [{ name: 'search', shared: { maxTokens: 30, refillPeriod: '1h' } }] },
    scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } },
  });
  // --rate-limit-timeout 2s: on a loaded machine a check can outlive the default 250 ms bound and
  // fail open (by design), which would let a 31st call through; this test is about the count.
  const proxies = await Promise.all([0, 1, 2].map(() => spawnProxy(file, ['--rate-limit-timeout', '2s'])));
  for (const p of proxies) t.teardown(() => p.stop());

  // Waves of 9 concurrent calls (3 per replica): concurrent across replicas.
  const statuses: number[] = [];
  for (let wave = 0; wave < 10; wave++) {
    statuses.push(...(await Promise.all(Array.from({ length: 9 }, (_, i) => call(proxies[i % 3]!.endpoint, wave * 9 + i)))));
  }
  const failOpen = proxies.flatMap((p) => p.stdoutLines).filter((l) => l.includes('fail-open'));
  t.same(failOpen, [], 'no check failed open');
  t.equal(statuses.filter((s) => s === 200).length, 30, 'exactly maxTokens allowed across the replicas');
  t.equal(statuses.filter((s) => s === 429).length, 60, 'every other call is rate limited');
  t.ok(Number(await redis.cli('HGET', 'thv:rl:{default:replicated}:shared:tool:search', 'tokens')) < 1);
});

t.test('§1 Redis down at startup: exit 3 within 6 s, address and cause named, password never', async (t) => {
  const port = await freePort();
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const path = writeConfigFile(
    httpConfig(upstream.port, {
      rate_limit_config: { shared: { maxTokens: 10, refillPeriod: '1m' } },
      scaling_config: { session_redis: { address: `127.0.0.1:${port}` } },
    }),
  );
  const secret = 'redis-pw-0d9e-never-print';
  process.env.THV_SESSION_REDIS_PASSWORD = secret;
  t.teardown(() => {
    delete process.env.THV_SESSION_REDIS_PASSWORD;
  });
  // Start-up alone (node, imports, config) can take seconds on a loaded machine: measure it with
  // `validate`, so the bound checks what the Redis ping adds, not how busy the machine is.
  let start = Date.now();
  t.equal((await runCli(['validate', path], 20_000)).code, 0);
  const baseline = Date.now() - start;
  start = Date.now();
  const r = await runCli(['run', '--config', path], 20_000);
  const took = Date.now() - start;
  t.equal(r.code, 3);
  t.ok(took < 6000 + 2000 || took - baseline < 6000 + 1000, `exited after ${took} ms (5 s bound + process start; validate alone: ${baseline} ms)`);
  t.match(r.stderr, `Redis at 127.0.0.1:${port} is unreachable: connect ECONNREFUSED`);
  t.notMatch(r.stdout + r.stderr, secret);
});
