// SPEC §6 (stdio): a client's notifications/cancelled names its call by the client's own id. The
// call table finds it through an index (session + the id's text as written), not by walking the
// calls in flight: with many calls in flight, each lookup finds exactly its call, across sessions
// that reuse the same ids, and nothing once the call has ended.
import t from 'tap';
import { CallTable, type ClientCall, type Reply } from '../../../src/stdio/calls.js';
import { Session } from '../../../src/stdio/sessions.js';

const noReply: Reply = { related: () => false, respond: () => undefined, fail: () => undefined, abandon: () => undefined, bind: () => undefined };

function add(table: CallTable, session: Session, clientIdText: string): ClientCall {
  const call: ClientCall = { proxyId: table.nextId(), session, clientId: JSON.parse(clientIdText) as string | number, clientIdText, clientTokenText: undefined, reply: noReply, generation: 0, isInitialize: false };
  table.addCall(call);
  return call;
}

/** A table with one session's calls: (text) => the call added with that id text. */
function oneSession(): { table: CallTable; s: Session; add: (idText: string) => ClientCall } {
  const table = new CallTable();
  const s = new Session('streamable-http');
  return { table, s, add: (idText) => add(table, s, idText) };
}

const SESSIONS = 50;
const IDS = 200;

t.test('§6 stdio cancel lookup: 10 000 calls in flight, 50 sessions reusing the same 200 ids: each found by session and id text', async (t) => {
  const table = new CallTable();
  const sessions = Array.from({ length: SESSIONS }, () => new Session('streamable-http'));
  const calls = new Map<string, ClientCall>();
  for (let i = 1; i <= IDS; i++) for (const s of sessions) calls.set(`${s.id} ${i}`, add(table, s, String(i)));
  t.equal(table.size, SESSIONS * IDS);

  let wrong = 0;
  for (let i = 1; i <= IDS; i++) for (const s of sessions) if (table.callByClientId(s, String(i)) !== calls.get(`${s.id} ${i}`)) wrong++;
  t.equal(wrong, 0, 'every lookup finds its own call');
  t.equal(table.callByClientId(sessions[0]!, String(IDS + 1)), undefined, 'an id not in flight finds nothing');
  t.equal(table.callByClientId(new Session('streamable-http'), '1'), undefined, 'another session finds nothing under the same id');
  t.equal(table.callByClientId(sessions[0]!, '"1"'), undefined, 'the string "1" is not the number 1');

  // End every other call: the ended ones are not found; the others still are, and the freed
  // slots serve new calls under their own ids.
  for (let i = 1; i <= IDS; i += 2) for (const s of sessions) table.removeCall(calls.get(`${s.id} ${i}`)!);
  let found = 0;
  for (let i = 1; i <= IDS; i++) for (const s of sessions) if (table.callByClientId(s, String(i)) !== undefined) found++;
  t.equal(found, (SESSIONS * IDS) / 2, 'only the calls still in flight are found');
  const again = add(table, sessions[3]!, '1');
  t.equal(table.callByClientId(sessions[3]!, '1'), again, 'an id used again after its call ended names the new call');
  t.equal(table.callByClientId(sessions[3]!, '2'), calls.get(`${sessions[3]!.id} 2`), 'a reused slot does not disturb other calls');
});

t.test('§6 stdio cancel lookup: ids a double cannot tell apart are told apart by their text', async (t) => {
  const { table, s, add } = oneSession();
  const [a, b] = [add('9007199254740993'), add('9007199254740992')];
  t.equal(table.callByClientId(s, '9007199254740993'), a);
  t.equal(table.callByClientId(s, '9007199254740992'), b);
});

t.test('§6 stdio cancel lookup: an id reused while its first call is in flight (MCP forbids it) keeps naming the first call', async (t) => {
  const { table, s, add } = oneSession();
  const [first, second] = [add('"x"'), add('"x"')];
  t.equal(table.callByClientId(s, '"x"'), first);
  table.removeCall(second);
  t.equal(table.callByClientId(s, '"x"'), first, 'ending the second call leaves the first one findable');
  table.removeCall(first);
  t.equal(table.callByClientId(s, '"x"'), undefined);
});
