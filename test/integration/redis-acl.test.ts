// SPEC §13 session_redis.username: an ACL user limited to the keys thv:rl:* and the commands the
// proxy needs (docs/redis.md gives the line) holds the limits; a wrong password or an unknown
// user fails startup with exit 3 and Redis's own cause; a user without the key pattern fails
// every check (fail-open, with NOPERM as the cause in the warning); the password is never printed.
import t from 'tap';
import { startInProcess } from '../helpers/proxy.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { callTool, limitedToolConfig, runExpectingFailure, withRedisPassword } from '../helpers/redisTopology.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';

const PASSWORD = 'acl-pw-51c0-do-not-log';
/** The minimal ACL of docs/redis.md (Redis 7 checks the commands a script runs, too). */
const MINIMAL = ['on', `>${PASSWORD}`, 'resetkeys', '~thv:rl:*', 'resetchannels', '-@all', '+ping', '+info', '+script|load', '+eval', '+evalsha', '+time', '+hmget', '+hset', '+expire'];

let redis: RedisHandle;
let upstreamPort: number;
let address: string;

t.before(async () => {
  redis = await startRedis();
  address = `127.0.0.1:${redis.port}`;
  await redis.cli('ACL', 'SETUSER', 'thv-proxy', ...MINIMAL);
  await redis.cli('ACL', 'SETUSER', 'elsewhere', 'on', `>${PASSWORD}`, '~sessions:*', '-@all', '+ping', '+info', '+eval', '+evalsha', '+time', '+hmget', '+hset', '+expire');
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  upstreamPort = upstream.port;
  t.teardown(() => upstream.close());
});
t.teardown(() => redis.stop());

t.test('§13 the minimal ACL user holds the limits; the password is in no log line', async (t) => {
  withRedisPassword(t, PASSWORD);
  const proxy = await startInProcess(limitedToolConfig(upstreamPort, 'acl-ok', { address, username: 'thv-proxy' }, 2));
  t.teardown(() => proxy.close());
  t.same([await callTool(proxy.url), await callTool(proxy.url), await callTool(proxy.url)], [200, 200, 429]);
  t.ok(proxy.logs.some((l) => l.msg === `rate limits stored in Redis at ${address} (connected, user "thv-proxy")`));
  t.notOk(proxy.logs.some((l) => l.msg?.startsWith('rate limit check failed')), 'no check failed (no NOPERM)');
  t.notMatch(JSON.stringify(proxy.logs), PASSWORD);
  t.match(await redis.cli('ACL', 'WHOAMI'), 'default', '(the test itself is the default user)');
  t.match(await redis.cli('CLIENT', 'LIST'), /user=thv-proxy/, 'the proxy is connected as thv-proxy');
});

t.test('§1/§13 a wrong password or an unknown user: exit 3 with Redis\'s cause, never the password', async (t) => {
  for (const [user, password] of [['thv-proxy', 'not-the-password-77'], ['nobody', PASSWORD]] as const) {
    const r = await runExpectingFailure(limitedToolConfig(upstreamPort, 'acl-bad', { address, username: user }, 1), { THV_SESSION_REDIS_PASSWORD: password });
    t.equal(r.code, 3, user);
    t.match(r.stderr, `Redis at ${address} is unreachable: WRONGPASS`);
    t.notMatch(r.stderr + r.stdout, password);
  }
});

t.test('§4/§13 a user without the thv:rl:* keys: every check fails open, and the warning names NOPERM', async (t) => {
  withRedisPassword(t, PASSWORD);
  const proxy = await startInProcess(limitedToolConfig(upstreamPort, 'acl-nokeys', { address, username: 'elsewhere' }, 1));
  t.teardown(() => proxy.close());
  t.same([await callTool(proxy.url), await callTool(proxy.url)], [200, 200], 'fail-open: the check cannot run');
  const warning = proxy.logs.find((l) => typeof l.msg === 'string' && l.msg.startsWith('rate limit check failed'));
  t.match(warning?.cause, /NOPERM/);
});
