// Regression (SPEC §8): with THV_SESSION_REDIS_PASSWORD set and a Redis that has no password,
// ioredis wrote `[WARN] Redis server does not require a password, but a password was supplied.`
// (or, Redis 6+, "This Redis server's `default` user does not require a password") with
// console.warn: a stray line on stderr, outside the proxy's logs, once per connection. It is now
// one warning through the proxy's logger, naming the Redis and never the password; stderr stays
// empty (the proxy writes only its exit sentences there) and every stdout line is JSON. Limits
// still work: the connection does without the password, as before.
import t from 'tap';
import { spawnProxy, startInProcess } from '../helpers/proxy.js';
import { startRedis } from '../helpers/redis.js';
import { callTool, limitedToolConfig, startCluster, withRedisPassword } from '../helpers/redisTopology.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { captureConsoleWarn, jsonLogLines, resumedLimiting } from '../helpers/strayOutput.js';

const PASSWORD = 'needless-pw-93e1-do-not-log';

t.test('§8 a password Redis does not need: one JSON warning through the logger, nothing on stderr', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());

  withRedisPassword(t, PASSWORD);
  const proxy = await spawnProxy(limitedToolConfig(upstream.port, 'needless', { address: `127.0.0.1:${redis.port}` }, 1));
  t.same([await callTool(proxy.url), await callTool(proxy.url)], [200, 429], 'limits hold: the connection works without the password');
  // A reconnect authenticates again: still no stderr, and no second warning.
  await redis.restart();
  t.ok(await resumedLimiting(proxy), 'reconnected (and authenticated again)');
  t.equal(await proxy.stop(), 0);

  t.equal(proxy.stderr(), '', 'nothing on stderr');
  const warnings = jsonLogLines(t, proxy).filter((l) => l.level === 40 && /password/i.test(String(l.msg)));
  t.equal(warnings.length, 1, `one warning about the password: ${JSON.stringify(warnings)}`);
  t.match(warnings[0]?.msg, new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port} .*does not require a password.*THV_SESSION_REDIS_PASSWORD`));
  t.notMatch(proxy.stdoutLines.join('\n') + proxy.stderr(), PASSWORD, 'the password is never printed');
});

t.test('§8 §13 Redis Cluster: the connections ioredis opens to each node are covered too', async (t) => {
  const cluster = await startCluster({ masters: 3 });
  t.teardown(() => cluster.stop());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  withRedisPassword(t, PASSWORD);
  // In this process: what ioredis would print goes through console.warn.
  const printed = captureConsoleWarn(t);
  const proxy = await startInProcess(limitedToolConfig(upstream.port, 'needless-cluster', { address: `127.0.0.1:${cluster.nodes[0]!.port}`, cluster_mode: true }, 1));
  t.teardown(() => proxy.close());
  t.same([await callTool(proxy.url), await callTool(proxy.url)], [200, 429]);
  t.same(printed, [], 'nothing printed by ioredis');
  const warnings = proxy.logs.filter((l) => l.level === 40 && /does not require a password/.test(String(l.msg)));
  t.equal(warnings.length, 1, 'one warning for every node connection');
  t.match(warnings[0]?.msg, /^Redis Cluster at 127\.0\.0\.1:\d+ \(seed node\) does not require a password/);
});
