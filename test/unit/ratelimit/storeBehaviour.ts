// One behaviour suite (SPEC §4) run against both token-bucket stores, so `--store memory` and
// Redis cannot drift apart. Each store-specific file supplies a factory; the suite uses only
// the TokenBucketStore contract.

import type { Test } from 'tap';
import type { RedisConfig } from '../../../src/config/types.js';
import type { BucketRef, TokenBucketStore } from '../../../src/ratelimit/store.js';
import { bucketRef, sharedKey, toolKey } from '../../../src/ratelimit/keys.js';

export interface StoreUnderTest {
  readonly store: TokenBucketStore;
  /** A byte-exact snapshot of everything the store holds for `keys` (HGETALL + TTL in Redis). */
  snapshot(keys: readonly string[]): Promise<string>;
}

/** The normalised RedisConfig the loader would build for a local test server. */
export function redisConfig(port: number, password?: string): RedisConfig {
  return {
    topology: 'standalone', address: `127.0.0.1:${port}`, host: '127.0.0.1', port, masterName: '', sentinels: [], db: 0, keyPrefix: '',
    username: undefined, password, sentinelPassword: undefined, tls: null, sentinelTls: null, dialTimeoutMs: 5000,
  };
}

let serial = 0;

/** Bucket lists of a fresh server name, so tests never share state. */
export function fixture(shared: [number, number], tools: Record<string, [number, number]>) {
  const server = `srv${process.pid}-${++serial}`;
  const sharedRef = bucketRef(sharedKey('default', server), 'shared', { maxTokens: shared[0], refillPeriodMs: shared[1] });
  const forTool: Record<string, readonly BucketRef[]> = {};
  for (const [name, [maxTokens, refillPeriodMs]] of Object.entries(tools)) {
    forTool[name] = Object.freeze([sharedRef, bucketRef(toolKey('default', server, name), `tool:${name}`, { maxTokens, refillPeriodMs })]);
  }
  return { server, shared: Object.freeze([sharedRef]) as readonly BucketRef[], sharedRef, forTool };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function allowedCount(store: TokenBucketStore, buckets: readonly BucketRef[], n: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < n; i++) if ((await store.consume(buckets)).allowed) allowed++;
  return allowed;
}

export function storeBehaviour(t: Test, make: () => Promise<StoreUnderTest>): void {
  t.test('§4 capacity: maxTokens calls pass, the next is rejected with its scope and Retry-After', async (t) => {
    const { store } = await make();
    const f = fixture([3, 60_000], {});
    for (let i = 0; i < 3; i++) t.same(await store.consume(f.shared), { allowed: true, rejectedScope: undefined, retryAfterSeconds: 0, buckets: undefined });
    const d = await store.consume(f.shared);
    t.equal(d.allowed, false);
    t.equal(d.rejectedScope, 'shared');
    // 3 tokens per 60 s: one token takes 20 s.
    t.equal(d.retryAfterSeconds, 20);
  });

  t.test('§4 refill: tokens come back continuously at maxTokens/refillPeriod', async (t) => {
    const { store } = await make();
    const f = fixture([2, 1000], {});
    t.equal(await allowedCount(store, f.shared, 3), 2, 'capacity 2');
    const rejected = await store.consume(f.shared);
    t.equal(rejected.retryAfterSeconds, 1, 'under one token needs at most 0.5 s: rounded up to 1');
    await sleep(650); // >= 1.3 tokens at 2 tokens/s
    t.equal(await allowedCount(store, f.shared, 3), 1, 'one whole token refilled');
    await sleep(1200); // refill is capped at capacity
    t.equal(await allowedCount(store, f.shared, 4), 2, 'never more than capacity');
  });

  t.test('§4 Retry-After is the time until the rejecting bucket holds one token, rounded up', async (t) => {
    const { store } = await make();
    const f = fixture([100, 60_000], { slow: [2, 5000], hourly: [1, 3_600_000] });
    t.equal(await allowedCount(store, f.forTool.slow!, 2), 2);
    const slow = await store.consume(f.forTool.slow!);
    t.equal(slow.rejectedScope, 'tool:slow');
    t.equal(slow.retryAfterSeconds, 3, '1 token at 0.4 tokens/s = 2.5 s -> 3');
    await store.consume(f.forTool.hourly!);
    t.equal((await store.consume(f.forTool.hourly!)).retryAfterSeconds, 3600);
  });

  t.test('§4 atomicity: a tool rejection leaves the shared bucket untouched', async (t) => {
    const { store } = await make();
    const f = fixture([10, 3_600_000], { search: [2, 3_600_000] });
    t.equal(await allowedCount(store, f.forTool.search!, 2), 2);
    const before = await store.peek(f.shared);
    for (let i = 0; i < 5; i++) {
      const d = await store.consume(f.forTool.search!);
      t.equal(d.rejectedScope, 'tool:search');
    }
    const after = await store.peek(f.shared);
    t.equal(Math.floor(before.buckets![0]!.tokens), 8);
    t.equal(Math.floor(after.buckets![0]!.tokens), 8, 'five rejected calls took no shared token');
  });

  t.test('§4 isolation: one tool exhausted does not limit another; the shared bucket limits all', async (t) => {
    const { store } = await make();
    const f = fixture([5, 3_600_000], { a: [1, 3_600_000], b: [3, 3_600_000] });
    t.equal(await allowedCount(store, f.forTool.a!, 3), 1);
    t.equal(await allowedCount(store, f.forTool.b!, 3), 3, 'b has its own bucket');
    t.equal(await allowedCount(store, f.shared, 3), 1, 'shared had 5: a took 1, b took 3');
    const d = await store.consume(f.forTool.b!);
    t.equal(d.rejectedScope, 'shared', 'the first rejecting bucket in order is named');
  });

  t.test('§4 consume with state reports every bucket after consumption', async (t) => {
    const { store } = await make();
    const f = fixture([100, 3_600_000], { search: [5, 3_600_000] });
    const d = await store.consume(f.forTool.search!, true);
    t.equal(d.allowed, true);
    t.same(
      d.buckets!.map((b) => [b.key, b.scope, Math.round(b.tokens * 100) / 100, b.capacity]),
      [
        [f.sharedRef.key, 'shared', 99, 100],
        [f.forTool.search![1]!.key, 'tool:search', 4, 5],
      ],
    );
  });

  t.test('§1 peek (dry-run) reports the refilled state and would-reject, and writes nothing', async (t) => {
    const sut = await make();
    const { store } = sut;
    const f = fixture([10, 3_600_000], { search: [1, 3_600_000] });
    const keys = f.forTool.search!.map((b) => b.key);

    const empty = await sut.snapshot(keys);
    const fresh = await store.peek(f.forTool.search!);
    t.equal(fresh.allowed, true);
    t.same(fresh.buckets!.map((b) => b.tokens), [10, 1], 'a missing key is a full bucket');
    t.equal(await sut.snapshot(keys), empty, 'nothing created by peek');

    await store.consume(f.forTool.search!);
    const snap = await sut.snapshot(keys);
    const peeked = await store.peek(f.forTool.search!);
    t.equal(peeked.allowed, false);
    t.equal(peeked.rejectedScope, 'tool:search');
    t.equal(peeked.retryAfterSeconds, 3600);
    t.equal(Math.floor(peeked.buckets![0]!.tokens), 9);
    t.equal(await sut.snapshot(keys), snap, 'state byte-identical after peek');
    t.equal(await allowedCount(store, f.shared, 20), 9, 'peek took no token');
  });
}
