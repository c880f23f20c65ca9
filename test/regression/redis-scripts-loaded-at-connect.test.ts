// Audit, defect 4 (SPEC §4 "one Lua script, loaded once and run with EVALSHA"): the scripts were
// ioredis commands (defineCommand), which send the whole script with EVAL as the first command on
// each connection: no SCRIPT LOAD at connect, and the first tools/call of every process — and the
// first after every reconnect — was a full EVAL. Now the store sends SCRIPT LOAD whenever its
// connection becomes ready (start, reconnect, a restarted or failed-over Redis), on one server and
// on a Sentinel master, so every check is an EVALSHA; NOSCRIPT (SCRIPT FLUSH) still falls back.

import t, { type Test as Tap } from 'tap';
import { silentLogger } from '../../src/observability/logger.js';
import { createRedisStore, type RedisStore } from '../../src/ratelimit/redisStore.js';
import type { RedisConfig } from '../../src/config/types.js';
import { fixture, redisConfig } from '../unit/ratelimit/storeBehaviour.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { startSentinelSetup } from '../helpers/redisTopology.js';

/** calls of one command in INFO commandstats (0 when absent); Redis 7 counts `script|load` apart. */
function calls(stats: string, command: string): number {
  const m = new RegExp(`^cmdstat_${command.replace('|', '\\|')}:calls=(\\d+),`, 'm').exec(stats);
  return m === null ? 0 : Number(m[1]);
}

function scriptLoads(stats: string): number {
  return calls(stats, 'script') + calls(stats, 'script|load');
}

async function open(t: { teardown(fn: () => unknown): void }, cfg: RedisConfig): Promise<RedisStore> {
  const store = createRedisStore(cfg, { logger: silentLogger(), commandTimeoutMs: 1000 });
  t.teardown(() => store.close());
  await store.connect(5000);
  return store;
}

async function readyAgain(store: RedisStore): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await store.healthy(500))) {
    if (Date.now() > deadline) throw new Error('the store did not reconnect within 10 s');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The behaviour every topology without Cluster must show, against the server `data` names. */
async function scriptsLoadedOnReady(t: Tap, cfg: RedisConfig, data: () => RedisHandle): Promise<void> {
  await data().cli('CONFIG', 'RESETSTAT');
  const store = await open(t, cfg);
  let stats = await data().cli('INFO', 'commandstats');
  t.equal(scriptLoads(stats), 2, 'SCRIPT LOAD of both scripts at connect');
  const f = fixture([2, 3_600_000], {});
  t.equal((await store.consume(f.shared)).allowed, true);
  stats = await data().cli('INFO', 'commandstats');
  t.equal(calls(stats, 'evalsha'), 1, 'the first check of the process is an EVALSHA');
  t.equal(calls(stats, 'eval'), 0, 'no EVAL');

  // A restarted Redis has an empty script cache: the reconnect loads them again.
  await data().kill();
  await data().restart();
  await readyAgain(store);
  await data().cli('CONFIG', 'RESETSTAT');
  t.equal((await store.consume(f.shared)).allowed, true, 'a restarted Redis forgot the bucket');
  stats = await data().cli('INFO', 'commandstats');
  t.equal(calls(stats, 'evalsha'), 1, 'the first check after the reconnect is an EVALSHA');
  t.equal(calls(stats, 'eval'), 0, 'no EVAL after the reconnect');

  // SCRIPT FLUSH under a live connection: NOSCRIPT, one EVAL, and limiting goes on.
  await data().cli('SCRIPT', 'FLUSH');
  t.equal((await store.consume(f.shared)).allowed, true, 'NOSCRIPT answered by EVAL');
  t.equal((await store.consume(f.shared)).allowed, false, 'still limiting');
  await data().cli('CONFIG', 'RESETSTAT');
  t.equal((await store.consume(f.shared)).allowed, false);
  stats = await data().cli('INFO', 'commandstats');
  t.equal(calls(stats, 'evalsha'), 1, 'back to one EVALSHA');
  t.equal(calls(stats, 'eval'), 0);
  await data().cli('SCRIPT', 'FLUSH');
  t.equal((await store.peek(f.shared)).allowed, false, 'peek recovers too');
}

t.test('§4 one server: SCRIPT LOAD when the connection is ready, EVALSHA from the first check', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  await scriptsLoadedOnReady(t, redisConfig(redis.port), () => redis);
});

t.test('§4 Sentinel: the master gets SCRIPT LOAD when the connection is ready, EVALSHA from the first check', async (t) => {
  const setup = await startSentinelSetup({ replicas: 0, sentinels: 1 });
  t.teardown(() => setup.stop());
  const cfg: RedisConfig = {
    ...redisConfig(setup.servers[0]!.port),
    topology: 'sentinel',
    address: '',
    masterName: setup.masterName,
    sentinels: setup.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
  };
  await scriptsLoadedOnReady(t, cfg, () => setup.servers[0]!);
});
