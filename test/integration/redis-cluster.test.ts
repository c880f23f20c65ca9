// SPEC §13 Redis Cluster (real redis-server processes: 3 masters with one replica each, made by
// `redis-cli --cluster create`; the proxy knows one seed node). The {namespace:name} hash tag keeps
// a server's buckets in one slot, so the one-script check stays atomic; two servers whose tags
// land on different shards are both limited; a slot moved to another master mid-traffic (MOVED)
// keeps its bucket; a killed master fails open only the servers on its shard until its replica
// takes over, and the other shard's limiting never notices.
import t from 'tap';
import { startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { freePort } from '../helpers/ports.js';
import { callTool, limitedToolConfig, runExpectingFailure, startCluster, type ClusterSetup } from '../helpers/redisTopology.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';

let cluster: ClusterSetup;
let upstreamPort: number;
let seed: string;

t.before(async () => {
  cluster = await startCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 1000 });
  seed = `127.0.0.1:${cluster.nodes[0]!.port}`;
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  upstreamPort = upstream.port;
  t.teardown(() => upstream.close());
});
t.teardown(() => cluster.stop());

const toolKey = (name: string): string => `thv:rl:{default:${name}}:shared:tool:search`;

/** Two server names (prefix-N) whose buckets live on different masters. */
async function namesOnTwoShards(prefix: string): Promise<[string, string]> {
  const first = `${prefix}-0`;
  const firstMaster = (await cluster.masterFor(toolKey(first))).port;
  for (let i = 1; i < 50; i++) {
    const name = `${prefix}-${i}`;
    if ((await cluster.masterFor(toolKey(name))).port !== firstMaster) return [first, name];
  }
  throw new Error('no second shard found');
}

async function proxyFor(t: { teardown(fn: () => unknown): void }, name: string, tokens: number): Promise<InProcessProxy> {
  const proxy = await startInProcess(limitedToolConfig(upstreamPort, name, { address: seed, cluster_mode: true }, tokens));
  t.teardown(() => proxy.close());
  return proxy;
}

async function calls(url: string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await callTool(url));
  return out;
}

t.test('§13 two servers on different shards, both limited; each server\'s keys in its hash tag\'s slot', async (t) => {
  const [a, b] = await namesOnTwoShards('shards');
  const pa = await proxyFor(t, a, 3);
  const pb = await proxyFor(t, b, 2);
  t.same(await calls(pa.url, 4), [200, 200, 200, 429], `${a}: 3 tokens`);
  t.same(await calls(pb.url, 3), [200, 200, 429], `${b}: 2 tokens`);
  for (const name of [a, b]) {
    const key = toolKey(name);
    t.equal(await cluster.slot(key), await cluster.slot(`{default:${name}}`), `${key} is in the slot of its tag`);
    t.equal(await (await cluster.masterFor(key)).cli('EXISTS', key), '1', `${key} is on the master of that slot`);
  }
  t.ok(pa.logs.some((l) => l.msg === `rate limits stored in Redis Cluster at ${seed} (seed node) (connected)`));
});

t.test('§13 a slot moved to another master mid-traffic: MOVED is followed and the bucket moves with its key', async (t) => {
  const name = 'moved-0';
  const proxy = await proxyFor(t, name, 4);
  t.same(await calls(proxy.url, 2), [200, 200]);
  const key = toolKey(name);
  const slot = await cluster.slot(key);
  const from = await cluster.masterFor(key);
  const masters = [];
  for (const n of cluster.nodes) if ((await n.cli('ROLE')).startsWith('master')) masters.push(n);
  const to = masters.find((n) => n.port !== from.port)!;
  await cluster.moveSlot(slot, to);
  t.equal((await cluster.masterFor(key)).port, to.port, `slot ${slot} now on ${to.port}`);
  // The proxy still believes the old owner: its next check is answered MOVED and resent.
  t.same(await calls(proxy.url, 3), [200, 200, 429], 'the two tokens left, then the limit — no fail-open');
  t.equal(await to.cli('EXISTS', key), '1');
  t.notOk(proxy.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('rate limit check failed')), 'no check failed');
});

t.test('§13 a master killed: the other shard\'s limiting is unaffected; the killed shard resumes on its promoted replica', async (t) => {
  const [healthy, hit] = await namesOnTwoShards('failover');
  const ph = await proxyFor(t, healthy, 3);
  const px = await proxyFor(t, hit, 3);
  t.same(await calls(ph.url, 1), [200]);
  t.same(await calls(px.url, 1), [200]);
  const victim = await cluster.masterFor(toolKey(hit));
  const killedAt = Date.now();
  await victim.kill();

  // The other shard, right away and throughout: exactly its bucket, never a fail-open.
  t.same(await calls(ph.url, 3), [200, 200, 429], `${healthy} on its own shard: limited as before`);
  t.notOk(ph.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('rate limit check failed')), 'no fail-open on the healthy shard');

  // The killed shard: fail-open until the replica is promoted, then its bucket again.
  let resumedAt: number | undefined;
  let allowed = 0;
  while (Date.now() - killedAt < 20_000) {
    const status = await callTool(px.url);
    if (status === 429) {
      resumedAt = Date.now();
      break;
    }
    allowed++;
    await new Promise((r) => setTimeout(r, 50));
  }
  t.ok(resumedAt !== undefined && resumedAt - killedAt < 10_000, `limiting of ${hit} resumed ${resumedAt! - killedAt} ms after the kill`);
  const failOpen = Math.max(0, ...px.logs.map((l) => (typeof l.failOpenTotal === 'number' ? l.failOpenTotal : 0)));
  t.ok(allowed + 1 <= 3 + failOpen, `allowed ${allowed + 1} <= capacity 3 + fail-open ${failOpen}`);
  t.not((await cluster.masterFor(toolKey(hit))).port, victim.port, 'a replica serves the slot now');
  t.comment(`kill -> ${hit} limited again: ${resumedAt! - killedAt} ms, ${failOpen} calls let through unchecked meanwhile`);
  t.same(await calls(ph.url, 1), [429], `${healthy} still limited`);
  t.ok(
    px.logs.some((l) => l.msg === `Redis Cluster at ${seed} (seed node): lost node 127.0.0.1:${victim.port}; rate limits of servers on its slots fail open until the cluster moves them`),
    'the lost node is named once',
  );
});

t.test('§1/§13 startup: a seed node that does not answer -> exit 3 naming the cluster', async (t) => {
  const nobody = `127.0.0.1:${await freePort()}`;
  const r = await runExpectingFailure(limitedToolConfig(upstreamPort, 'cluster-none', { address: nobody, cluster_mode: true, dial_timeout: '2s' }, 1));
  t.equal(r.code, 3);
  t.match(r.stderr, `Redis Cluster at ${nobody} (seed node) is unreachable: `);
  t.comment(r.stderr.trim());
});
