// SPEC §6 (stdio): ids and progress tokens are mapped so each message reaches its client.
import t from 'tap';
import { CallTable, type ClientCall, type Reply } from '../../../src/stdio/calls.js';
import { asLine, cancelledLine, childRequestLine, clientRequestLine, errorLine, lineWithCancelledRequest, lineWithId, lineWithProgressToken, progressTokenOf, stringifyBounded, withId } from '../../../src/stdio/rewrite.js';
import { Session } from '../../../src/stdio/sessions.js';

const noReply: Reply = { related: () => false, respond: () => undefined, fail: () => undefined, abandon: () => undefined, bind: () => undefined };

function call(table: CallTable, session: Session, clientId: string | number, generation = 0): ClientCall {
  const c: ClientCall = { proxyId: table.nextId(), session, clientId, clientIdText: JSON.stringify(clientId), clientTokenText: undefined, reply: noReply, generation, isInitialize: false };
  table.addCall(c);
  return c;
}

t.test('§6 stdio ids: the same client id from two sessions maps to two proxy ids and back', async (t) => {
  const table = new CallTable();
  const a = new Session('streamable-http');
  const b = new Session('streamable-http');
  const ca = call(table, a, 1);
  const cb = call(table, b, 1);
  t.not(ca.proxyId, cb.proxyId);
  t.equal(table.call(ca.proxyId), ca);
  t.equal(table.call(cb.proxyId), cb);
  t.equal(table.call(String(ca.proxyId)), undefined, 'the child must echo the numeric id');
  t.same(table.callsOfSession(a), [ca], 'each session has its calls');
  t.same(table.callsOfSession(b), [cb]);
  t.equal(a.callCount, 1, 'and counts them');
  t.same(table.latestCall(), { call: cb, sessions: 'several' }, 'latest started call; calls of two sessions in flight');
  table.removeCall(cb);
  t.same(table.latestCall(), { call: ca, sessions: 'one' });
  t.same(table.callsOfSession(b), []);
  t.equal(b.callCount, 0);
  table.removeCall(cb);
  t.equal(b.callCount, 0, 'a second removal changes nothing');
  const cc = call(table, b, 2);
  t.equal(table.call(cc.proxyId), cc, 'a freed slot serves the next call');
  t.equal(table.call(cb.proxyId), undefined, 'and the removed call is not found under its id');
});

t.test('§6 stdio ids: calls of an exited child generation are found, later ones are not', async (t) => {
  const table = new CallTable();
  const s = new Session('sse');
  const old1 = call(table, s, 'x', 0);
  const old2 = call(table, s, 'y', 0);
  const fresh = call(table, s, 'z', 1);
  t.same(table.callsOf(0), [old1, old2]);
  t.same(table.callsOf(1), [fresh]);
});

t.test('§6 stdio ids: server requests get a client-facing id and map back to the child id', async (t) => {
  const table = new CallTable();
  const s = new Session('streamable-http');
  const sc = { clientFacingId: table.nextId(), childId: 0, childIdText: '0', session: s, generation: 3 };
  table.addServerCall(sc);
  t.equal(table.serverCall(sc.clientFacingId), sc);
  t.equal(table.serverCallByChildId(0), sc);
  t.ok(s.serverCalls.has(sc));
  table.dropServerCalls(2);
  t.equal(table.serverCall(sc.clientFacingId), sc, 'other generations untouched');
  table.dropServerCalls(3);
  t.equal(table.serverCall(sc.clientFacingId), undefined);
  t.equal(table.serverCallByChildId(0), undefined);
  t.notOk(s.serverCalls.has(sc));
});

t.test('§6 stdio ids: a request for the child carries the proxy id and the proxy id as progress token', async (t) => {
  const params = { name: 'echo', arguments: { message: 'hi' }, _meta: { progressToken: 'client-token', other: 1 } };
  const line = childRequestLine(42, 'tools/call', params)!;
  t.same(JSON.parse(line), { jsonrpc: '2.0', id: 42, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' }, _meta: { progressToken: 42, other: 1 } } });
  t.equal(params._meta.progressToken, 'client-token', "the client's params are not modified");
  t.equal(progressTokenOf(params), 'client-token');
  t.same(JSON.parse(childRequestLine(1, 'ping', undefined)!), { jsonrpc: '2.0', id: 1, method: 'ping' });
  t.same(JSON.parse(childRequestLine(2, 'tools/list', { cursor: 'c' })!), { jsonrpc: '2.0', id: 2, method: 'tools/list', params: { cursor: 'c' } });
  t.notOk(line.includes('\n'));
});

t.test('§6 stdio ids: a client request keeps its bytes; only the id and the progress token become the proxy id', async (t) => {
  const body = Buffer.from('{"jsonrpc":"2.0",\n "id":"c-1","method":"tools/call","params":{"name":"echo","arguments":{"n":12345678901234567890},"_meta":{"progressToken":98765432109876543210}}}');
  const r = clientRequestLine(body, 42, true)!;
  t.equal(r.line, '{"jsonrpc":"2.0",  "id":42,"method":"tools/call","params":{"name":"echo","arguments":{"n":12345678901234567890},"_meta":{"progressToken":42}}}');
  t.equal(r.idText, '"c-1"');
  t.equal(r.tokenText, '98765432109876543210');
  const plain = clientRequestLine(Buffer.from('{"jsonrpc":"2.0","id":7,"method":"ping"}'), 3, false)!;
  t.same(plain, { line: '{"jsonrpc":"2.0","id":3,"method":"ping"}', idText: '7', tokenText: undefined });
});

t.test('§6 stdio ids: responses and progress get the client id and token back, as the client wrote them', async (t) => {
  t.same(JSON.parse(withId({ jsonrpc: '2.0', id: 42, result: { ok: true } }, 'abc')!), { jsonrpc: '2.0', id: 'abc', result: { ok: true } });
  t.same(JSON.parse(withId({ jsonrpc: '2.0', id: 42, error: { code: -1, message: 'm' } }, null)!), { jsonrpc: '2.0', id: null, error: { code: -1, message: 'm' } });
  const answer = '{"jsonrpc":"2.0","id":42,"result":{"row":12345678901234567890}}';
  t.equal(lineWithId(answer, JSON.parse(answer), '9007199254740993'), '{"jsonrpc":"2.0","id":9007199254740993,"result":{"row":12345678901234567890}}');
  const twice = '{"jsonrpc":"2.0","id":1,"id":42,"result":{}}';
  t.same(JSON.parse(lineWithId(twice, JSON.parse(twice), '"x"')!), { jsonrpc: '2.0', id: 'x', result: {} }, 'a repeated id: rebuilt from the parsed message');
  const progress = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":42,"progress":1,"total":3}}';
  t.equal(lineWithProgressToken(progress, JSON.parse(progress), '7'), '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":7,"progress":1,"total":3}}');
  const cancelled = '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"child-3","reason":"r"}}';
  t.equal(lineWithCancelledRequest(cancelled, JSON.parse(cancelled), 11), '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":11,"reason":"r"}}');
  t.same(JSON.parse(cancelledLine(5, 'gone')), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 5, reason: 'gone' } });
  t.same(JSON.parse(errorLine('s1', -32603, 'no client')), { jsonrpc: '2.0', id: 's1', error: { code: -32603, message: 'no client' } });
});

t.test('§6 stdio framing: client bytes become one line without changing the message', async (t) => {
  const pretty = Buffer.from('{\r\n  "jsonrpc": "2.0",\n  "method": "notifications/x",\n  "params": {"t": "a\\nb"}\n}');
  const line = asLine(pretty);
  t.notOk(/[\r\n]/.test(line));
  t.same(JSON.parse(line), JSON.parse(pretty.toString()));
  const compact = Buffer.from('{"jsonrpc":"2.0","method":"m"}');
  t.equal(asLine(compact), compact.toString());
});

t.test('§7 stdio ids: a message nested too deeply to serialise gives undefined, not a RangeError out of the bridge', async (t) => {
  let deep: unknown = 'leaf';
  for (let i = 0; i < 100_000; i++) deep = [deep];
  t.equal(childRequestLine(3, 'tools/call', { name: 'echo', arguments: { deep } }), undefined);
  t.equal(withId({ jsonrpc: '2.0', id: 1, result: { deep } }, 'c'), undefined);
  t.equal(stringifyBounded({ deep }), undefined);
  t.equal(stringifyBounded({ a: [1, { b: 2 }] }), '{"a":[1,{"b":2}]}', 'ordinary values serialise as JSON.stringify does');
  t.throws(() => stringifyBounded({ toJSON: () => { throw new TypeError('not depth'); } }), TypeError, 'other errors are not swallowed');
});
