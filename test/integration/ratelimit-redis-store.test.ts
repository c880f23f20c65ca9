// SPEC §4 against a real redis-server: the shared behaviour suite, then what only Redis shows —
// exact keys, fields and TTLs, one EVALSHA per call, NOSCRIPT recovery, and ToolHive's format.
import t from 'tap';
import { silentLogger } from '../../src/observability/logger.js';
import { createRedisStore, type RedisStore } from '../../src/ratelimit/redisStore.js';
import { fixture, redisConfig, storeBehaviour } from '../unit/ratelimit/storeBehaviour.js';
import { bucketExpirySeconds, startRedis, type RedisHandle } from '../helpers/redis.js';

let redis: RedisHandle;
t.before(async () => {
  redis = await startRedis();
});
t.teardown(() => redis.stop());

async function connected(t: { teardown(fn: () => unknown): void }): Promise<RedisStore> {
  const store = createRedisStore(redisConfig(redis.port), { logger: silentLogger(), commandTimeoutMs: 1000 });
  t.teardown(() => store.close());
  await store.connect(5000);
  return store;
}

async function snapshot(keys: readonly string[]): Promise<string> {
  const parts: string[] = [];
  // EXPIRETIME is absolute, so two snapshots a second apart compare equal when nothing was written.
  for (const k of keys) parts.push(await redis.cli('HGETALL', k), await redis.cli('EXPIRETIME', k));
  return parts.join('|');
}

function fields(raw: string): Record<string, string> {
  const lines = raw.split('\n');
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) out[lines[i]!] = lines[i + 1]!;
  return out;
}

t.test('redis store behaviour', async (t) => {
  storeBehaviour(t, async () => ({ store: await connected(t), snapshot }));
});

t.test('§4 keys, fields and TTLs are exactly those of SPEC §4 (and ToolHive)', async (t) => {
  const store = await connected(t);
  const f = fixture([100, 60_000], { search: [5, 1500] });
  const [shared, tool] = f.forTool.search!;
  t.equal(shared!.key, `thv:rl:{default:${f.server}}:shared`);
  t.equal(tool!.key, `thv:rl:{default:${f.server}}:shared:tool:search`);
  const [sec, usec] = (await redis.cli('TIME')).split('\n').map(Number);
  await store.consume(f.forTool.search!);
  t.equal(await redis.cli('KEYS', `thv:rl:{default:${f.server}}:*`).then((s) => s.split('\n').sort().join(' ')), [shared!.key, tool!.key].sort().join(' '));
  for (const [ref, tokens] of [[shared!, 99], [tool!, 4]] as const) {
    t.equal(await redis.cli('TYPE', ref.key), 'hash');
    const h = fields(await redis.cli('HGETALL', ref.key));
    t.same(Object.keys(h).sort(), ['last_refill', 'tokens']);
    t.equal(Number(h.tokens), tokens, `${ref.scope} tokens`);
    t.match(h.last_refill, /^\d+$/, 'last_refill is integer microseconds');
    const lag = Number(h.last_refill) - (sec! * 1e6 + usec!);
    t.ok(lag >= 0 && lag < 5e6, 'last_refill comes from Redis TIME');
  }
  // The expiry is compared with the write's own Redis TIME (last_refill), not with "now": TTL
  // counts down while a loaded machine runs this test, PEXPIRETIME - last_refill does not.
  t.equal(await bucketExpirySeconds(redis, shared!.key), 120, 'EXPIRE ceil(2 * 60 s)');
  t.equal(await bucketExpirySeconds(redis, tool!.key), 3, 'EXPIRE ceil(2 * 1.5 s)');
});

// The script writes whole numbers and last_refill as text, to spare Redis its float formatting
// (lua/consume.lua). ToolHive passes numbers and lets Redis format them: the text must be the
// one Redis writes for the same number, or the two would store one bucket in two formats.
t.test('§4 tokens and last_refill are stored as the text Redis writes for the same number', async (t) => {
  const store = await connected(t);
  const f = fixture([1000, 7_000], { search: [3, 900] });
  const [shared, tool] = f.forTool.search!;
  const asRedisWritesIt = async (text: string): Promise<string> =>
    redis.cli('EVAL', "redis.call('HSET', KEYS[1], 'v', tonumber(ARGV[1])) return redis.call('HGET', KEYS[1], 'v')", '1', 'scratch', text);
  const redisMicros = async (): Promise<number> => {
    const [sec, usec] = (await redis.cli('TIME')).split('\n');
    return Number(sec) * 1e6 + Number(usec);
  };
  // 40 writes: about one in ten TIME readings has fewer than six digits of microseconds.
  const seen = new Set<string>();
  for (let i = 0; i < 40; i++) {
    const before = await redisMicros();
    await store.consume(f.forTool.search!);
    const after = await redisMicros();
    for (const ref of [shared!, tool!]) {
      const h = fields(await redis.cli('HGETALL', ref.key));
      t.ok(Number(h.last_refill) >= before && Number(h.last_refill) <= after, `last_refill ${h.last_refill} is the write's TIME`);
      t.equal(h.tokens, await asRedisWritesIt(h.tokens!), `${ref.scope} tokens ${h.tokens}`);
      t.equal(h.last_refill, await asRedisWritesIt(h.last_refill!), `last_refill ${h.last_refill}`);
      seen.add(Number.isInteger(Number(h.tokens)) ? 'whole' : 'fraction');
    }
  }
  t.same([...seen].sort(), ['fraction', 'whole'], 'both kinds of token count were written');
});

t.test('§4 one script command per tools/call, nothing else; EVALSHA from the first call', async (t) => {
  const store = await connected(t);
  const f = fixture([3, 60_000], { search: [10, 60_000] });
  await redis.cli('CONFIG', 'RESETSTAT');
  for (let i = 0; i < 5; i++) await store.consume(f.forTool.search!);
  let stats = await redis.cli('INFO', 'commandstats');
  // The scripts were loaded (SCRIPT LOAD) when the connection became ready: the first call on
  // the connection is an EVALSHA too (test/regression/redis-scripts-loaded-at-connect.test.ts).
  t.notMatch(stats, /cmdstat_eval:/, 'no EVAL, not even for the first call');
  t.match(stats, /cmdstat_evalsha:calls=5,/);
  await redis.cli('CONFIG', 'RESETSTAT');
  for (let i = 0; i < 3; i++) await store.consume(f.forTool.search!);
  stats = await redis.cli('INFO', 'commandstats');
  t.match(stats, /cmdstat_evalsha:calls=3,/);
  t.notMatch(stats, /cmdstat_eval:/, 'no EVAL once loaded');
  // Commands run inside the script are counted too (3 TIME, 6 HMGET...), but no client command
  // other than EVALSHA reached Redis.
  t.match(stats, /cmdstat_time:calls=3,/);
  t.notMatch(stats, /cmdstat_(ping|script|multi|exec|get|set):/);
});

t.test('§4 SCRIPT FLUSH: the store recovers by itself and keeps limiting', async (t) => {
  const store = await connected(t);
  const f = fixture([2, 3_600_000], {});
  t.equal((await store.consume(f.shared)).allowed, true);
  await redis.cli('SCRIPT', 'FLUSH');
  t.equal((await store.consume(f.shared)).allowed, true, 'NOSCRIPT answered by EVAL');
  t.equal((await store.consume(f.shared)).allowed, false, 'still limiting');
  await redis.cli('CONFIG', 'RESETSTAT');
  await store.consume(f.shared);
  t.match(await redis.cli('INFO', 'commandstats'), /cmdstat_evalsha:calls=1,/, 'back to one EVALSHA');
  await redis.cli('SCRIPT', 'FLUSH');
  t.equal((await store.peek(f.shared)).allowed, false, 'peek recovers too');
});

t.test('§4 ToolHive compatibility: buckets written in ToolHive Go format are read and continued', async (t) => {
  const store = await connected(t);
  const f = fixture([10, 3_600_000], { search: [5, 3_600_000] });
  const [shared, tool] = f.forTool.search!;
  const [sec, usec] = (await redis.cli('TIME')).split('\n').map(Number);
  const now = String(sec! * 1_000_000 + usec!);
  // ToolHive's script HSETs Lua numbers: Redis 7.0 prints them with %.17g, 7.2+ with the
  // shortest form ("1e-05"); `last_refill` is integer microseconds of TIME.
  await redis.cli('HSET', shared!.key, 'tokens', '2.5000000000000004', 'last_refill', now);
  await redis.cli('HSET', tool!.key, 'tokens', '1e-05', 'last_refill', now);
  const d = await store.consume(f.forTool.search!, true);
  t.equal(d.allowed, false, 'the tool bucket written by ToolHive holds < 1 token');
  t.equal(d.rejectedScope, 'tool:search');
  t.equal(d.retryAfterSeconds, 720, '(1 - 0.00001) tokens at 5/h');
  t.ok(Math.abs(d.buckets![0]!.tokens - 2.5) < 0.001, 'shared tokens read, not consumed');
  await redis.cli('HSET', tool!.key, 'tokens', '4', 'last_refill', now);
  t.equal((await store.consume(f.forTool.search!)).allowed, true);
  const h = fields(await redis.cli('HGETALL', shared!.key));
  t.ok(Math.abs(Number(h.tokens) - 1.5) < 0.001, 'written back as a decimal both implementations parse');
  t.match(h.tokens, /^[0-9.e+-]+$/);
  // A replica whose clock ran ahead wrote a last_refill in the future: elapsed clamps at 0.
  await redis.cli('HSET', shared!.key, 'tokens', '3', 'last_refill', String(Number(now) + 60e6));
  const peek = await store.peek(f.shared);
  t.equal(peek.buckets![0]!.tokens, 3);
});

t.test('§4 db from the config selects the Redis database', async (t) => {
  const store = createRedisStore({ ...redisConfig(redis.port), db: 3 }, { logger: silentLogger() });
  t.teardown(() => store.close());
  await store.connect(5000);
  const f = fixture([1, 60_000], {});
  await store.consume(f.shared);
  t.equal(await redis.cli('-n', '3', 'EXISTS', f.sharedRef.key), '1');
  t.equal(await redis.cli('-n', '0', 'EXISTS', f.sharedRef.key), '0');
});

t.test('§4 healthy() answers true while Redis answers', async (t) => {
  const store = await connected(t);
  t.equal(await store.healthy(1000), true);
  await store.close();
  t.equal(await store.healthy(1000), false, 'false once closed');
});

t.test('§13 checks issued in one turn of the event loop leave in one write (the corked connection), and later turns are not held', async (t) => {
  const store = await connected(t);
  // a day's refill period: the few milliseconds this test takes refill nothing visible
  const f = fixture([1000, 86_400_000], { search: [1000, 86_400_000] });
  // Writes to this test's Redis, seen at the socket: chunks per writev (1 for a plain write).
  const writes: number[] = [];
  const net = await import('node:net');
  const origWritev = net.Socket.prototype._writev!;
  const origWrite = net.Socket.prototype._write;
  net.Socket.prototype._writev = function (this: import('node:net').Socket, chunks, cb) {
    if (this.remotePort === redis.port) writes.push(chunks.length);
    return origWritev.call(this, chunks, cb);
  };
  net.Socket.prototype._write = function (this: import('node:net').Socket, chunk, enc, cb) {
    if (this.remotePort === redis.port) writes.push(1);
    return origWrite.call(this, chunk, enc, cb);
  };
  t.teardown(() => {
    net.Socket.prototype._writev = origWritev;
    net.Socket.prototype._write = origWrite;
  });
  const batch = await Promise.all(Array.from({ length: 10 }, () => store.consume(f.forTool.search!)));
  t.equal(batch.filter((d) => d.allowed).length, 10, 'every check of the batch answered');
  t.equal(writes.length, 1, `ten checks issued in one tick: one write to the socket (${writes.join(', ')} chunks)`);
  writes.length = 0;
  // different ticks of one turn (as requests read from different client sockets in one poll
  // phase are): still one write
  const early = store.consume(f.forTool.search!);
  await Promise.resolve();
  await new Promise<void>((resolve) => process.nextTick(resolve));
  const late = store.consume(f.forTool.search!);
  await Promise.all([early, late]);
  t.same(writes, [2], 'checks of two ticks of one turn: one write of both');
  writes.length = 0;
  const one = await store.consume(f.forTool.search!);
  t.ok(one.allowed);
  t.same(writes, [1], 'a lone check is one write, not held for a batch');
  writes.length = 0;
  // two turns: two writes
  const first = store.consume(f.forTool.search!);
  await new Promise((r) => setImmediate(r));
  const second = store.consume(f.forTool.search!);
  await Promise.all([first, second]);
  t.same(writes, [1, 1], 'checks of different turns are not merged');
  const [sharedState] = (await store.peek(f.forTool.search!)).buckets!;
  t.ok(Math.abs(sharedState!.tokens - (1000 - 15)) < 0.5, `all fifteen checks were charged exactly once (${sharedState!.tokens} tokens left)`);
});
