// SPEC §4 per-user buckets: which buckets a tools/call must pass, in ToolHive's order (server
// shared, tool shared, server per-user, tool per-user), with ToolHive's keys; lists per caller are
// reused (the Redis store prepares arguments per list) and bounded in number.
import t from 'tap';
import { BucketPlan, USER_LISTS_KEPT } from '../../../src/ratelimit/bucketPlan.js';
import type { Bucket, RateLimitConfig, ToolLimit } from '../../../src/config/types.js';

const b = (maxTokens: number): Bucket => ({ maxTokens, refillPeriodMs: 60_000 });

function plan(rl: { shared?: Bucket; perUser?: Bucket; tools?: Array<Partial<ToolLimit> & { name: string }> }): BucketPlan {
  const tools = new Map<string, ToolLimit>();
  for (const x of rl.tools ?? []) tools.set(x.name, { name: x.name, shared: x.shared ?? null, perUser: x.perUser ?? null });
  const config: RateLimitConfig = { namespace: 'ns', shared: rl.shared ?? null, perUser: rl.perUser ?? null, tools };
  return new BucketPlan({ serverName: 'srv', rateLimit: config });
}

const keys = (list: readonly { key: string; scope: string }[]): string[] => list.map((x) => `${x.scope}=${x.key}`);

t.test('§4 ToolHive\'s order and keys: server shared, tool shared, server per-user, tool per-user', async (t) => {
  const p = plan({ shared: b(100), perUser: b(10), tools: [{ name: 'search', shared: b(5), perUser: b(2) }, { name: 'fetch', perUser: b(1) }] });
  t.strictSame(keys(p.for('search', 'alice')), [
    'shared=thv:rl:{ns:srv}:shared',
    'tool:search=thv:rl:{ns:srv}:shared:tool:search',
    'user=thv:rl:{ns:srv}:user:alice',
    'user-tool:search=thv:rl:{ns:srv}:user-tool:search:alice',
  ]);
  t.strictSame(keys(p.for('fetch', 'bob')), ['shared=thv:rl:{ns:srv}:shared', 'user=thv:rl:{ns:srv}:user:bob', 'user-tool:fetch=thv:rl:{ns:srv}:user-tool:fetch:bob']);
  t.strictSame(keys(p.for('other', 'bob')), ['shared=thv:rl:{ns:srv}:shared', 'user=thv:rl:{ns:srv}:user:bob']);
  t.strictSame(keys(p.for(undefined, 'bob')), ['shared=thv:rl:{ns:srv}:shared', 'user=thv:rl:{ns:srv}:user:bob']);
  // The sub is used raw, as ToolHive does: whatever the issuer put there.
  t.strictSame(keys(p.for('other', 'auth0|5f7c:x y')), ['shared=thv:rl:{ns:srv}:shared', 'user=thv:rl:{ns:srv}:user:auth0|5f7c:x y']);
});

t.test('§4 a caller\'s list is built once and reused; without per-user buckets no caller is needed', async (t) => {
  const p = plan({ perUser: b(3) });
  t.equal(p.for('x', 'alice'), p.for('x', 'alice'), 'the same frozen list');
  t.ok(Object.isFrozen(p.for('x', 'alice')));
  t.not(p.for('x', 'alice'), p.for('x', 'bob'));
  t.throws(() => p.for('x', undefined), /per-user rate limits reached without an authenticated principal/);
  const shared = plan({ shared: b(3), tools: [{ name: 'x', shared: b(1) }] });
  t.equal(shared.perUser, false);
  t.equal(shared.for('x', undefined), shared.for('x', 'anyone'), 'shared lists do not depend on the caller');
  t.strictSame(keys(plan({ tools: [{ name: 'x', shared: b(1) }] }).for('y', undefined)), [], 'no bucket applies');
});

t.test('§4 lists per caller are bounded: a flood of distinct subs cannot grow memory without bound', async (t) => {
  const p = plan({ perUser: b(3) });
  const first = p.for('x', 'u0');
  for (let i = 1; i <= USER_LISTS_KEPT; i++) p.for('x', `u${i}`);
  t.not(p.for('x', 'u0'), first, 'the oldest list was dropped (and rebuilt equal)');
  t.strictSame(keys(p.for('x', 'u0')), keys(first));
});
