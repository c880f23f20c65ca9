// The stdio bridge's call table had the defect the HTTP server's in-flight Set had
// (finished-requests-are-not-retained.test.ts): a Map of calls by proxy id and a Set of calls per
// session, one add and one delete per call. V8 keeps every rehashed (obsolete) table of such a
// Map or Set, entries included, linked to its successor; once a major GC has moved the table to
// the old generation, finished calls — and the reply, request and response they reach — stayed
// alive through every scavenge and were promoted. Measured here before the fix: ~8 MB of 300
// finished calls kept through two scavenges.
//
// Drives the table as the bridge does — 50 calls in flight, each added when sent to the child
// and removed when answered — with calls that hold ~40 KB each, after a major GC, then counts
// what two scavenges leave of the finished ones. No I/O, so nothing else on the machine matters.

import t from 'tap';
import { CallTable, type ClientCall, type Reply } from '../../src/stdio/calls.js';
import { Session } from '../../src/stdio/sessions.js';
import { megabytesKeptThroughScavenges, requestSizedPayload } from '../helpers/scavenge.js';

t.test('answered stdio calls are garbage for the next scavenge, also after a major GC', async (t) => {
  const table = new CallTable();
  const session = new Session('streamable-http');
  const fifo: ClientCall[] = [];
  const send = (payload: unknown): void => {
    const call: ClientCall = { proxyId: table.nextId(), session, clientId: 1, clientIdText: '1', clientTokenText: undefined, reply: { payload } as unknown as Reply, generation: 1, isInitialize: false };
    table.addCall(call);
    fifo.push(call);
    if (fifo.length > 50) table.removeCall(fifo.shift()!);
  };
  const keptMb = megabytesKeptThroughScavenges(
    () => {
      for (let i = 0; i < 2000; i++) send(null);
    },
    () => {
      for (let i = 0; i < 300; i++) send(requestSizedPayload());
      while (fifo.length > 0) table.removeCall(fifo.shift()!);
    },
  );
  t.equal(table.size, 0);
  t.equal(session.callCount, 0);
  t.ok(keptMb < 2, `answered calls kept through two scavenges: ${keptMb.toFixed(2)} MB (a Map and a Set of calls kept ~8 MB; 300 retained calls would be ~12 MB)`);
});
