// SPEC §4 "limits that hold across every replica": several stores (one per simulated replica,
// each its own connection) hammering one Redis concurrently allow exactly the capacity.
import t from 'tap';
import { silentLogger } from '../../src/observability/logger.js';
import { createRedisStore, type RedisStore } from '../../src/ratelimit/redisStore.js';
import { startRedis } from '../helpers/redis.js';
import { fixture, redisConfig } from '../unit/ratelimit/storeBehaviour.js';

t.test('§4 three replicas on one Redis enforce one limit under concurrent load', async (t) => {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const stores: RedisStore[] = [];
  for (let i = 0; i < 3; i++) {
    // A generous bound: this test is about atomicity, not latency.
    const s = createRedisStore(redisConfig(redis.port), { logger: silentLogger(), commandTimeoutMs: 5000 });
    t.teardown(() => s.close());
    await s.connect(5000);
    stores.push(s);
  }
  // 50 per hour shared, 20 per hour on the tool: refill during the test is far below one token.
  const f = fixture([50, 3_600_000], { search: [20, 3_600_000] });
  const calls: Promise<{ allowed: boolean; scope: string | undefined }>[] = [];
  for (let i = 0; i < 150; i++) {
    const store = stores[i % 3]!;
    const buckets = i % 2 === 0 ? f.forTool.search! : f.shared;
    calls.push(store.consume(buckets).then((d) => ({ allowed: d.allowed, scope: d.rejectedScope })));
  }
  const results = await Promise.all(calls);
  const allowed = results.filter((r) => r.allowed).length;
  t.equal(allowed, 50, 'exactly the shared capacity in total');
  const toolAllowed = results.filter((r, i) => i % 2 === 0 && r.allowed).length;
  t.ok(toolAllowed <= 20, `tool calls allowed (${toolAllowed}) never exceed the tool capacity`);
  t.ok(Number(await redis.cli('HGET', f.sharedRef.key, 'tokens')) < 1, 'the shared bucket is drained in Redis');
});
