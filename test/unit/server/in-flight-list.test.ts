// The server's in-flight list (src/server/inFlight.ts) against a Set as the reference model:
// same members after any sequence of adds and deletes (repeated, absent and head/middle/tail
// deletes included), and a removed element keeps no link to the others.
import t from 'tap';
import { InFlightList } from '../../../src/server/inFlight.js';

class Item {
  inFlightPrev: Item | null = null;
  inFlightNext: Item | null = null;
  constructor(readonly id: number) {}
}

t.test('matches a Set over random add/delete sequences', async (t) => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const items = Array.from({ length: 40 }, (_, i) => new Item(i));
  for (let round = 0; round < 200; round++) {
    const list = new InFlightList<Item>();
    const model = new Set<Item>();
    for (let step = 0; step < 100; step++) {
      const item = items[random(items.length)]!;
      if (random(2) === 0) {
        list.add(item);
        model.add(item);
      } else {
        list.delete(item);
        model.delete(item);
        t.equal(item.inFlightPrev, null, 'a removed item links to nothing (prev)');
        t.equal(item.inFlightNext, null, 'a removed item links to nothing (next)');
      }
      if (list.size !== model.size) t.fail(`size ${list.size} vs ${model.size} at round ${round} step ${step}`);
    }
    t.same(new Set(list.snapshot()), model, `round ${round}: same members`);
    t.equal(list.snapshot().length, model.size, `round ${round}: each member once`);
    for (const item of model) list.delete(item);
    t.equal(list.size, 0);
  }
});

t.test('snapshot is safe to walk while members are deleted', async (t) => {
  const list = new InFlightList<Item>();
  const items = Array.from({ length: 5 }, (_, i) => new Item(i));
  for (const item of items) list.add(item);
  const seen: number[] = [];
  for (const item of list.snapshot()) {
    seen.push(item.id);
    list.delete(item);
  }
  t.same(seen.sort(), [0, 1, 2, 3, 4]);
  t.equal(list.size, 0);
});
