// Issue 16 (CPU per request): the server kept the requests in flight in a Set, one add and one
// delete per request. V8 rehashes such a Set every few dozen requests and keeps each obsolete
// hash table, keys included, linked to its successor; once a major GC has moved the table to the
// old generation, those obsolete tables keep finished requests' contexts — and the request,
// response and parsed message they reach — alive through every scavenge, which copies and
// promotes them. Under load that was 1.2 MB surviving each scavenge instead of 0.2 MB, the
// largest single difference between thv-proxy and the bare proxy in the CPU profile.
//
// The test drives the server's in-flight bookkeeping (src/server/inFlight.ts) as the server does —
// 50 requests in flight, each added on arrival and removed when it ends — with contexts that hold
// ~40 KB each, after a major GC, then counts what two scavenges leave of the finished ones. With a
// Set in its place: 4-8 MB; with the list: ~0.5 MB, whatever else runs on the machine (no I/O).

import t from 'tap';
import { InFlightList } from '../../src/server/inFlight.js';
import { megabytesKeptThroughScavenges, requestSizedPayload } from '../helpers/scavenge.js';

class Ctx {
  inFlightPrev: Ctx | null = null;
  inFlightNext: Ctx | null = null;
  constructor(readonly payload: unknown) {}
}

t.test('finished requests are garbage for the next scavenge, also after a major GC', async (t) => {
  const list = new InFlightList<Ctx>();
  const fifo: Ctx[] = [];
  const arrive = (payload: unknown): void => {
    const ctx = new Ctx(payload);
    list.add(ctx);
    fifo.push(ctx);
    if (fifo.length > 50) list.delete(fifo.shift()!);
  };
  const keptMb = megabytesKeptThroughScavenges(
    () => {
      for (let i = 0; i < 2000; i++) arrive(null);
    },
    () => {
      for (let i = 0; i < 300; i++) arrive(requestSizedPayload());
      while (fifo.length > 0) list.delete(fifo.shift()!);
    },
  );
  t.equal(list.size, 0);
  t.ok(keptMb < 2, `finished requests kept through two scavenges: ${keptMb.toFixed(2)} MB (a Set kept 4-8 MB; 300 retained requests would be ~12 MB)`);
});
