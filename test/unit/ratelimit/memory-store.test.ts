// SPEC §1 `--store memory`: the in-process store passes the same behaviour suite as Redis, and
// forgets idle buckets like Redis EXPIRE does.
import t from 'tap';
import { createMemoryStore, type MemoryStore } from '../../../src/ratelimit/memoryStore.js';
import { fixture, storeBehaviour } from './storeBehaviour.js';

function track(t: { teardown(fn: () => unknown): void }, store: MemoryStore): MemoryStore {
  t.teardown(() => store.close());
  return store;
}

t.test('memory store behaviour', async (t) => {
  storeBehaviour(t, async () => {
    const store = track(t, createMemoryStore());
    return { store, snapshot: async (keys) => JSON.stringify(keys.map((k) => store.inspect(k) ?? null)) };
  });
});

t.test('§4 memory store: a bucket idle past its TTL is evicted (bounded memory)', async (t) => {
  let now = 1_000_000;
  const store = track(t, createMemoryStore({ nowUs: () => now }));
  const f = fixture([2, 1000], { search: [1, 1000] }); // TTL ceil(2 * 1 s) = 2 s
  await store.consume(f.forTool.search!);
  t.equal(store.size, 2);
  now += 1_999_000;
  store.sweep();
  t.equal(store.size, 2, 'kept within the TTL');
  now += 1000;
  store.sweep();
  t.equal(store.size, 0, 'swept at the TTL');
});

t.test('§4 memory store: the clock is monotonic, and elapsed time is clamped at zero', async (t) => {
  let now = 10_000_000;
  const store = track(t, createMemoryStore({ nowUs: () => now }));
  const f = fixture([1, 1000], {});
  await store.consume(f.shared);
  now -= 5_000_000; // a clock going backwards must not refill or drain
  const d = await store.peek(f.shared);
  t.equal(d.buckets![0]!.tokens, 0);
  t.equal(d.retryAfterSeconds, 1);
});
