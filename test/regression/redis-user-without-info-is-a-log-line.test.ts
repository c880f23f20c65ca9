// Regression (SPEC §8, §13): with an ACL user that may not run INFO, ioredis's ready check (INFO
// after every connect: wait while Redis loads its data, check the role Sentinel named) fails
// with NOPERM and ioredis prints `Skipping the ready check because INFO command fails: ...` with
// console.warn — a stray stderr line at every connection, outside the proxy's JSON logs. It is
// now one warning through the proxy's logger that names what is lost and the missing `+info`;
// stderr stays empty and every stdout line is JSON. Limits work as before (ioredis goes on
// without the ready check either way).
import t from 'tap';
import { spawnProxy, startInProcess } from '../helpers/proxy.js';
import { startRedis } from '../helpers/redis.js';
import { callTool, limitedToolConfig, startCluster, withRedisPassword } from '../helpers/redisTopology.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { captureConsoleWarn, jsonLogLines, resumedLimiting } from '../helpers/strayOutput.js';

const PASSWORD = 'no-info-pw-7d2a-do-not-log';
/** docs/redis.md's minimal ACL without +info. */
const NO_INFO = ['on', `>${PASSWORD}`, 'resetkeys', '~thv:rl:*', 'resetchannels', '-@all', '+ping', '+script|load', '+eval', '+evalsha', '+time', '+hmget', '+hset', '+expire'];

t.test('§8 §13 an ACL user without +info: one JSON warning through the logger, nothing on stderr', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  await redis.cli('ACL', 'SETUSER', 'thv-proxy', ...NO_INFO);
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());

  withRedisPassword(t, PASSWORD);
  const proxy = await spawnProxy(limitedToolConfig(upstream.port, 'no-info', { address: `127.0.0.1:${redis.port}`, username: 'thv-proxy' }, 1));
  t.same([await callTool(proxy.url), await callTool(proxy.url)], [200, 429], 'limits hold');
  // A reconnect runs the ready check again: still no stderr, and no second warning.
  await redis.restart();
  await redis.cli('ACL', 'SETUSER', 'thv-proxy', ...NO_INFO);
  t.ok(await resumedLimiting(proxy), 'reconnected (ready check ran again)');
  t.equal(await proxy.stop(), 0);

  t.equal(proxy.stderr(), '', 'nothing on stderr');
  const warnings = jsonLogLines(t, proxy).filter((l) => l.level === 40 && /INFO/.test(String(l.msg)));
  t.equal(warnings.length, 1, `one warning about INFO: ${JSON.stringify(warnings)}`);
  t.match(warnings[0]?.msg, new RegExp(`Redis at 127\\.0\\.0\\.1:${redis.port}: .*INFO.*ready check.*\\+info`));
  t.notMatch(proxy.stdoutLines.join('\n') + proxy.stderr(), PASSWORD, 'the password is never printed');
});

t.test('§8 §13 Redis Cluster: each node connection’s ready check is covered too', async (t) => {
  const cluster = await startCluster({ masters: 3 });
  t.teardown(() => cluster.stop());
  for (const node of cluster.nodes) await node.cli('ACL', 'SETUSER', 'thv-proxy', ...NO_INFO, '+cluster|slots', '+cluster|info');
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  withRedisPassword(t, PASSWORD);
  // In this process: what ioredis would print goes through console.warn.
  const printed = captureConsoleWarn(t);
  const proxy = await startInProcess(limitedToolConfig(upstream.port, 'no-info-cluster', { address: `127.0.0.1:${cluster.nodes[0]!.port}`, cluster_mode: true, username: 'thv-proxy' }, 1));
  t.teardown(() => proxy.close());
  t.same([await callTool(proxy.url), await callTool(proxy.url)], [200, 429]);
  t.same(printed, [], 'nothing printed by ioredis');
  const warnings = proxy.logs.filter((l) => l.level === 40 && /INFO/.test(String(l.msg)));
  t.equal(warnings.length, 1, 'one warning for every node connection');
  t.match(warnings[0]?.msg, /^Redis Cluster at 127\.0\.0\.1:\d+ \(seed node\): /);
});
