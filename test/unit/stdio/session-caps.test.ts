// SPEC §14 (stdio): the registry's bookkeeping behind the session caps — counts per client
// address, and which idle session a cap evicts. Pure logic with explicit clock values.
import t from 'tap';
import { CallTable, type Reply } from '../../../src/stdio/calls.js';
import { SessionRegistry } from '../../../src/stdio/sessions.js';

const noReply: Reply = { related: () => false, respond() {}, fail() {}, abandon() {}, bind() {} };

t.test('§14 stdio sessions: counted per client address; removing twice counts once', async (t) => {
  const reg = new SessionRegistry();
  const a1 = reg.open('streamable-http', '10.0.0.1');
  reg.open('streamable-http', '10.0.0.1');
  reg.open('sse', '10.0.0.2');
  t.equal(reg.countOf('10.0.0.1'), 2);
  t.equal(reg.countOf('10.0.0.2'), 1);
  t.equal(reg.countOf('10.0.0.3'), 0);
  t.equal(reg.size, 3);
  reg.remove(a1);
  reg.remove(a1);
  t.equal(reg.countOf('10.0.0.1'), 1, 'a second remove of the same session changes nothing');
  t.equal(reg.size, 2);
});

t.test('§14 stdio sessions: the eviction candidate is the idle session seen least recently, of the client or of anyone', async (t) => {
  const reg = new SessionRegistry();
  const table = new CallTable();
  const old = reg.open('streamable-http', 'a');
  const busy = reg.open('streamable-http', 'a');
  const newer = reg.open('streamable-http', 'a');
  const other = reg.open('streamable-http', 'b');
  old.lastSeenAt = 200;
  busy.lastSeenAt = 100;
  newer.lastSeenAt = 300;
  other.lastSeenAt = 150;
  table.addCall({ proxyId: table.nextId(), session: busy, clientId: 1, clientIdText: '1', clientTokenText: undefined, reply: noReply, generation: 0, isInitialize: false });
  t.equal(reg.oldestIdle('a'), old, "the client's own: busy is skipped although seen earlier");
  t.equal(reg.oldestIdle(), other, "anyone's: the other client's session was seen earlier still");
  t.equal(reg.oldestIdle('c'), undefined, 'a client without sessions has none to give');
  for (const s of [old, newer, other]) reg.remove(s);
  t.equal(reg.oldestIdle(), undefined, 'only a busy session left: nothing to evict');
});
