// SPEC §1/§4: dry-run reads the buckets and writes nothing — every hash byte-identical (DUMP),
// the same fields, no TTL re-armed, the same key count, Redis's own write counter unchanged —
// whether the call would pass or be rejected. With --consume it runs the real script: exactly one
// token less in each bucket (refill accounted for to the microsecond).
import t, { type Test } from 'tap';
import { Redis } from 'ioredis';
import type { RunConfigFile } from '../../src/config/types.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { scratchDir, thv } from '../helpers/dryrunCli.js';

interface KeyState {
  dump: string;
  hash: Record<string, string>;
  ttl: number;
  pttl: number;
}
interface Snapshot {
  dbsize: number;
  /** rdb_changes_since_last_save: Redis counts every write, including those inside scripts. */
  writes: number;
  keys: Record<string, KeyState>;
}

let redis: RedisHandle;
let client: Redis;
t.before(async () => {
  redis = await startRedis();
  client = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true });
  await client.connect();
});
t.teardown(async () => {
  client.disconnect();
  await redis.stop();
});
const scratch = scratchDir(t);

const RATE_PER_US = { shared: 100 / 3600e6, tool: 5 / 3600e6 };

function config(name: string): string {
  const file: RunConfigFile = {
    name,
    transport: 'streamable-http',
    target_host: '127.0.0.1',
    target_port: 9,
    rate_limit_config: {
      shared: { maxTokens: 100, refillPeriod: '1h' },
      tools: [{ name: 'search', shared: { maxTokens: 5, refillPeriod: '1h' } }],
    },
    scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } },
  };
  return scratch.file(`${name}.json`, file);
}

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}';
const keys = (name: string) => ({ shared: `thv:rl:{default:${name}}:shared`, tool: `thv:rl:{default:${name}}:shared:tool:search` });

async function snapshot(): Promise<Snapshot> {
  const info = await client.info('persistence');
  const writes = Number(/rdb_changes_since_last_save:(\d+)/.exec(info)![1]);
  const out: Snapshot = { dbsize: await client.dbsize(), writes, keys: {} };
  for (const key of (await client.keys('*')).sort()) {
    out.keys[key] = {
      dump: (await client.dumpBuffer(key))!.toString('hex'),
      hash: (await client.type(key)) === 'hash' ? await client.hgetall(key) : {},
      ttl: await client.ttl(key),
      pttl: await client.pttl(key),
    };
  }
  return out;
}

async function redisNowUs(): Promise<number> {
  const [sec, usec] = await client.time();
  return Number(sec) * 1_000_000 + Number(usec);
}

async function dryRun(cfg: string, ...more: string[]): Promise<{ code: number | null; stages: Array<{ stage: string; summary: string; facts?: Record<string, unknown> }> }> {
  const r = await thv(['dry-run', '--config', cfg, '--request', CALL, '--json', ...more]);
  t.equal(r.stderr, '', 'nothing on stderr');
  return { code: r.code, stages: (JSON.parse(r.stdout) as { stages: Array<{ stage: string; summary: string; facts?: Record<string, unknown> }> }).stages };
}

t.test('§4 dry-run without --consume on an empty Redis creates no key and writes nothing', async (t) => {
  const before = await snapshot();
  const r = await dryRun(config('state-empty'));
  t.equal(r.code, 0);
  t.same(await snapshot(), before);
  t.equal(before.dbsize, 0);
});

t.test('§4 hashes without TTL (as a ToolHive replica may leave them) stay byte-identical: allowed and rejected', async (t) => {
  const cfg = config('state-static');
  const k = keys('state-static');
  const now = await redisNowUs();
  await client.hset(k.shared, 'tokens', '42.5', 'last_refill', String(now - 5_000_000));
  await client.hset(k.tool, 'tokens', '3.25', 'last_refill', String(now - 1_000_000));
  await client.set('unrelated', 'x');
  const before = await snapshot();
  t.equal(before.dbsize, 3);

  const allowed = await dryRun(cfg);
  t.equal(allowed.code, 0);
  t.match(allowed.stages[3]!.summary, /^allowed \(shared 42\.\d\/100, tool:search 3\.2\/5\)$/, 'the refilled state is reported');
  t.same(await snapshot(), before, 'DUMP, HGETALL, TTL, PTTL of every key, DBSIZE and the write counter unchanged');

  await client.hset(k.tool, 'tokens', '0', 'last_refill', String(now + 3_600_000_000));
  const emptied = await snapshot();
  const rejected = await dryRun(cfg);
  t.equal(rejected.code, 4);
  t.equal(rejected.stages[3]!.summary, 'rejected by tool:search (0/5, retry in 720s)');
  t.same(await snapshot(), emptied, 'a rejecting peek writes nothing either (the consume script would store the refilled state)');
});

t.test('§4 keys with a TTL from earlier consumption: contents identical, TTL not re-armed', async (t) => {
  const cfg = config('state-ttl');
  t.equal((await dryRun(cfg, '--consume')).code, 0);
  await new Promise((r) => setTimeout(r, 100));
  const before = await snapshot();
  t.equal(await dryRun(cfg).then((r) => r.code), 0);
  const after = await snapshot();
  t.equal(after.dbsize, before.dbsize);
  t.equal(after.writes, before.writes, 'no write command ran');
  for (const key of Object.values(keys('state-ttl'))) {
    const state = before.keys[key]!;
    t.ok(state.pttl > 0, `${key} has a TTL`);
    t.equal(after.keys[key]!.dump, state.dump, `${key}: DUMP byte-identical`);
    t.same(after.keys[key]!.hash, state.hash);
    t.ok(after.keys[key]!.pttl <= state.pttl && after.keys[key]!.pttl > 0, `${key}: TTL only ran down (${state.pttl} -> ${after.keys[key]!.pttl})`);
  }
});

function exactlyOneLess(t: Test, label: string, before: Record<string, string>, after: Record<string, string>, cap: number, ratePerUs: number): void {
  const elapsedUs = Number(after['last_refill']) - Number(before['last_refill']);
  t.ok(elapsedUs > 0, `${label}: last_refill advanced to Redis TIME`);
  const expected = Math.min(cap, Number(before['tokens']) + elapsedUs * ratePerUs) - 1;
  t.ok(Math.abs(Number(after['tokens']) - expected) < 1e-9, `${label}: ${before['tokens']} + refill - 1 = ${expected}, stored ${after['tokens']}`);
  t.ok(Number(after['tokens']) < Number(before['tokens']), `${label}: fewer tokens than before`);
}

t.test('§4 --consume takes exactly one token from each bucket and arms the TTL', async (t) => {
  const cfg = config('state-consume');
  const k = keys('state-consume');
  const now = await redisNowUs();
  await client.hset(k.shared, 'tokens', '50', 'last_refill', String(now));
  await client.hset(k.tool, 'tokens', '3', 'last_refill', String(now));
  const before = await snapshot();

  const r = await dryRun(cfg, '--consume');
  t.equal(r.code, 0);
  const after = await snapshot();
  t.equal(after.dbsize, before.dbsize, 'no key added');
  exactlyOneLess(t, 'shared', before.keys[k.shared]!.hash, after.keys[k.shared]!.hash, 100, RATE_PER_US.shared);
  exactlyOneLess(t, 'tool:search', before.keys[k.tool]!.hash, after.keys[k.tool]!.hash, 5, RATE_PER_US.tool);
  for (const key of [k.shared, k.tool]) {
    t.ok(after.keys[key]!.ttl > 7100 && after.keys[key]!.ttl <= 7200, `${key}: EXPIRE ceil(2 * 1h)`);
  }
  const facts = r.stages[3]!.facts as { consumed: boolean; buckets: Array<{ key: string; tokens: number }> };
  t.equal(facts.consumed, true);
  t.same(
    facts.buckets.map((b) => [b.key, b.tokens]),
    [[k.shared, Number(after.keys[k.shared]!.hash['tokens'])], [k.tool, Number(after.keys[k.tool]!.hash['tokens'])]],
    'the reported state is the stored state',
  );
});

t.test('§4 a slow Redis gets waited for: dry-run gives the real verdict, not fail-open at 250 ms', async (t) => {
  const cfg = config('state-slow');
  await client.hset(keys('state-slow').tool, 'tokens', '0', 'last_refill', String((await redisNowUs()) + 3_600_000_000));
  // Write-capable commands (the scripts) wait until the pause ends; PING does not.
  await client.call('CLIENT', 'PAUSE', '2500', 'WRITE');
  const r = await dryRun(cfg);
  t.equal(r.code, 4);
  t.equal(r.stages[3]!.summary, 'rejected by tool:search (0/5, retry in 720s)');
});
