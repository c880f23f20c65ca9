// SPEC §13 Sentinel: one master, one replica, three sentinels (real redis-server processes).
// The master is killed (SIGKILL) in the middle of a stream of tools/call: every request is still
// answered within the check bound (fail-open while there is no master), the sentinels promote the
// replica, limiting resumes on it within 10 s — its script cache empty, so ioredis's EVALSHA
// falls back to EVAL once — and the calls let through never exceed the bucket's capacity by more
// than the ones let through unchecked. Startup failures name the master and the sentinels.
import { createHash } from 'node:crypto';
import t from 'tap';
import { CONSUME_SCRIPT } from '../../src/ratelimit/scripts.js';
import { startInProcess } from '../helpers/proxy.js';
import { freePort } from '../helpers/ports.js';
import { callTool, limitedToolConfig, runExpectingFailure, startSentinelSetup, type SentinelSetup } from '../helpers/redisTopology.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';

const CAPACITY = 20;
const CONSUME_SHA = createHash('sha1').update(CONSUME_SCRIPT.lua).digest('hex');

let setup: SentinelSetup;
let upstreamPort: number;

t.before(async () => {
  setup = await startSentinelSetup({ replicas: 1, sentinels: 3, downAfterMs: 1000 });
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  upstreamPort = upstream.port;
  t.teardown(() => upstream.close());
});
t.teardown(() => setup.stop());

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

t.test('§13 master killed mid-traffic: fail-open within the bound, limiting resumes on the promoted replica, capacity + fail-open never exceeded', async (t) => {
  const [master, replica] = setup.servers as [(typeof setup.servers)[0], (typeof setup.servers)[0]];
  const proxy = await startInProcess(
    limitedToolConfig(upstreamPort, 'sentinel-failover', { sentinel_config: { master_name: setup.masterName, sentinel_addrs: [...setup.sentinelAddrs] } }, CAPACITY),
  );
  t.teardown(() => proxy.close());
  const label = `Redis master "${setup.masterName}" via Sentinel ${setup.sentinelAddrs.join(', ')}`;
  t.ok(proxy.logs.some((l) => l.msg === `rate limits stored in ${label} (connected)`), 'the startup line names the master and the sentinels');

  // Half the bucket before the failover, through the master.
  const statuses: { status: number; ms: number; at: number }[] = [];
  const call = async (): Promise<number> => {
    const started = Date.now();
    const status = await callTool(proxy.url);
    statuses.push({ status, ms: Date.now() - started, at: started });
    return status;
  };
  for (let i = 0; i < CAPACITY / 2; i++) t.equal(await call(), 200);
  t.equal(await replica.cli('SCRIPT', 'EXISTS', CONSUME_SHA), '0', 'the replica has never run the script');

  const killedAt = Date.now();
  await master.kill();
  const newMasterPort = setup.waitForNewMaster(master.port, 20_000);
  // Sequential traffic until limiting is back and the bucket is empty again (or 20 s).
  let resumedAt: number | undefined;
  while (Date.now() - killedAt < 20_000) {
    if ((await call()) === 429) {
      resumedAt = Date.now();
      break;
    }
    await sleep(20);
  }
  t.equal(await newMasterPort, replica.port, 'the sentinels promoted the replica');
  t.ok(resumedAt !== undefined, 'limiting resumed');
  t.ok(resumedAt! - killedAt < 10_000, `limiting resumed ${resumedAt! - killedAt} ms after the kill (SPEC: within seconds; issue: 10 s)`);
  t.equal(await replica.cli('SCRIPT', 'EXISTS', CONSUME_SHA), '1', 'ioredis loaded the script on the new master (EVALSHA -> NOSCRIPT -> EVAL)');

  const slowest = Math.max(...statuses.map((s) => s.ms));
  t.ok(slowest < 1500, `every call answered within the 250 ms bound plus the proxy's own time (slowest ${slowest} ms)`);
  const allowed = statuses.filter((s) => s.status === 200).length;
  const failOpen = Math.max(0, ...proxy.logs.map((l) => (typeof l.failOpenTotal === 'number' ? l.failOpenTotal : 0)));
  t.ok(failOpen > 0, `${failOpen} calls were let through unchecked while there was no master`);
  t.ok(allowed <= CAPACITY + failOpen, `allowed ${allowed} <= capacity ${CAPACITY} + fail-open ${failOpen}`);
  t.comment(`kill -> limiting resumed: ${resumedAt! - killedAt} ms; calls: ${statuses.length}, allowed ${allowed}, fail-open ${failOpen}, slowest ${slowest} ms`);
  t.ok(proxy.logs.some((l) => l.msg === `lost connection to ${label}; rate limits fail open until it is back`));
  t.ok(proxy.logs.some((l) => l.msg === `reconnected to ${label}; rate limiting resumed`));
  t.equal(proxy.logs.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('lost connection')).length, 1, 'one line for the drop, not one per reconnect attempt');
});

t.test('§1/§13 startup: no sentinel answers, or they know no such master -> exit 3 naming both', async (t) => {
  const nobody = `127.0.0.1:${await freePort()}`;
  const r = await runExpectingFailure(limitedToolConfig(upstreamPort, 'sentinel-none', { sentinel_config: { master_name: 'thvmaster', sentinel_addrs: [nobody] }, dial_timeout: '2s' }, 1));
  t.equal(r.code, 3);
  t.match(r.stderr, `Redis master "thvmaster" via Sentinel ${nobody} is unreachable: All sentinels are unreachable`);

  const unknown = await runExpectingFailure(
    limitedToolConfig(upstreamPort, 'sentinel-unknown', { sentinel_config: { master_name: 'no-such-master', sentinel_addrs: [setup.sentinelAddrs[0]!] }, dial_timeout: '2s' }, 1),
  );
  t.equal(unknown.code, 3);
  t.match(unknown.stderr, `Redis master "no-such-master" via Sentinel ${setup.sentinelAddrs[0]} is unreachable: All sentinels are unreachable. Last error: ERR No such master with that name`);
});

t.test('§13 sentinels with a password: THV_SESSION_REDIS_SENTINEL_PASSWORD, never printed; without it exit 3', async (t) => {
  const PASSWORD = 'sentinel-pw-3e1f-do-not-log';
  const guarded = await startSentinelSetup({ replicas: 0, sentinels: 1, sentinelPassword: PASSWORD });
  t.teardown(() => guarded.stop());
  const redis = { sentinel_config: { master_name: guarded.masterName, sentinel_addrs: [...guarded.sentinelAddrs] } };
  const saved = process.env.THV_SESSION_REDIS_SENTINEL_PASSWORD;
  process.env.THV_SESSION_REDIS_SENTINEL_PASSWORD = PASSWORD;
  try {
    const proxy = await startInProcess(limitedToolConfig(upstreamPort, 'sentinel-auth', redis, 1));
    t.teardown(() => proxy.close());
    t.same([await callTool(proxy.url), await callTool(proxy.url)], [200, 429]);
    t.notMatch(JSON.stringify(proxy.logs), PASSWORD);
  } finally {
    if (saved === undefined) delete process.env.THV_SESSION_REDIS_SENTINEL_PASSWORD;
    else process.env.THV_SESSION_REDIS_SENTINEL_PASSWORD = saved;
  }
  const r = await runExpectingFailure(limitedToolConfig(upstreamPort, 'sentinel-noauth', { ...redis, dial_timeout: '2s' }, 1));
  t.equal(r.code, 3);
  t.match(r.stderr, `Redis master "${guarded.masterName}" via Sentinel ${guarded.sentinelAddrs[0]} is unreachable: All sentinels are unreachable. Last error: NOAUTH`);
});
