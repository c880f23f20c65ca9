// SPEC §7/§14 (stdio): the bridge must not crash on a message nested deeper than JSON.stringify
// can serialise (JSON.parse reads any depth, JSON.stringify overflows the stack past a few
// thousand levels), whatever bound a parser in front of it applies. It swaps ids inside the
// message text, which does not recurse, so such messages pass as they were written; only where
// it must rebuild a message (a repeated id) does the depth guard answer instead. The bridge here
// is real; the child is a recorder of the lines the bridge would write to it.
import t from 'tap';
import type { McpMessage } from '../../../src/mcp/types.js';
import { bridgeHarness, RecordingReply } from '../../helpers/bridgeHarness.js';

const DEPTH = 20_000;

function deepValue(): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < DEPTH; i++) v = [v];
  return v;
}
const deepJson = (): string => `${'['.repeat(DEPTH)}"leaf"${']'.repeat(DEPTH)}`;

function setUp() {
  const harness = bridgeHarness();
  return { ...harness, session: harness.bridge.sessions.open('streamable-http') };
}

function request(id: number | string, method: string, params: Record<string, unknown>): McpMessage {
  return { kind: 'request', method, id, params, resourceId: undefined, arguments: undefined, meta: undefined };
}

/** The request's bytes as a client would send them (`extra` JSON text spliced into params). */
function bodyOf(id: number | string, method: string, params: Record<string, unknown>, extra = ''): Buffer {
  const p = JSON.stringify(params);
  return Buffer.from(`{"jsonrpc":"2.0","id":${JSON.stringify(id)},"method":"${method}","params":${extra === '' ? p : `${p.slice(0, -1)},${extra}}`}}`);
}

t.test('§7 stdio bridge: a deeply nested request reaches the child as written, with the proxy id', async (t) => {
  const { bridge, sent, session } = setUp();
  const reply = new RecordingReply();
  const params = { name: 'echo' };
  t.equal(bridge.request(session, request(7, 'tools/call', params), bodyOf(7, 'tools/call', params, `"arguments":{"deep":${deepJson()}}`), reply), undefined);
  t.equal(sent.length, 1);
  t.equal(sent[0], `{"jsonrpc":"2.0","id":${reply.call!.proxyId},"method":"tools/call","params":{"name":"echo","arguments":{"deep":${deepJson()}}}}`);
});

t.test('§7 stdio bridge: a deep request the bridge would have to rebuild (a repeated id) is refused (400), nothing reaches the child', async (t) => {
  const { bridge, sent, session } = setUp();
  const reply = new RecordingReply();
  const params = { name: 'echo', arguments: { deep: deepValue() } };
  const body = Buffer.from(`{"jsonrpc":"2.0","id":7,"id":7,"method":"tools/call","params":{"name":"echo","arguments":{"deep":${deepJson()}}}}`);
  const refused = bridge.request(session, request(7, 'tools/call', params), body, reply);
  t.equal(refused?.kind, 'INVALID_REQUEST');
  t.equal(refused?.status, 400);
  t.equal(refused?.id, 7, 'with the request id');
  t.same(sent, [], 'nothing sent to the child');
  t.equal(session.callCount, 0, 'no call left pending');
  t.equal(reply.call, undefined, 'the reply was not used');

  // A refused initialize does not leave later initializes waiting for it.
  const initParams = { clientInfo: { name: 'x' }, deep: deepValue() };
  const init = bridge.request(session, request(1, 'initialize', initParams), Buffer.from(`{"jsonrpc":"2.0","id":1,"id":1,"method":"initialize","params":{"clientInfo":{"name":"x"},"deep":${deepJson()}}}`), new RecordingReply());
  t.equal(init?.kind, 'INVALID_REQUEST');
  const plain = { clientInfo: { name: 'x' } };
  t.equal(bridge.request(session, request(2, 'initialize', plain), bodyOf(2, 'initialize', plain), new RecordingReply()), undefined);
  t.equal(sent.length, 1, 'the next initialize is forwarded');
  t.match(JSON.parse(sent[0]!), { method: 'initialize' });
});

t.test("§7 stdio bridge: a client's deep answer to a server request reaches the child with the child's id", async (t) => {
  const { bridge, sent, session } = setUp();
  const reply = new RecordingReply();
  t.equal(bridge.request(session, request(1, 'tools/call', { name: 'sample' }), bodyOf(1, 'tools/call', { name: 'sample' }), reply), undefined);
  bridge.onLine('{"jsonrpc":"2.0","id":"child-7","method":"sampling/createMessage","params":{}}');
  t.equal(reply.related_.length, 1, 'the server request went out on the call');
  const clientFacingId = (JSON.parse(reply.related_[0]!) as { id: number }).id;
  const body = Buffer.from(`{"jsonrpc":"2.0","id":${clientFacingId},"result":{"deep":${deepJson()}}}`);
  const msg: McpMessage = { kind: 'response', method: undefined, id: clientFacingId, params: undefined, resourceId: undefined, arguments: undefined, meta: undefined };
  t.equal(bridge.response(session, msg, body), undefined);
  t.equal(sent.at(-1), `{"jsonrpc":"2.0","id":"child-7","result":{"deep":${deepJson()}}}`);
  t.equal(session.serverCalls.size, 0, 'the server request is no longer pending');
});

t.test('§7 stdio bridge: deep lines from the child pass as written; one it would have to rebuild is dropped with a warning, never thrown', async (t) => {
  const { bridge, sent, session, logs } = setUp();
  const reply = new RecordingReply();
  bridge.request(session, request('c1', 'tools/call', { name: 'x' }), bodyOf('c1', 'tools/call', { name: 'x' }), reply);
  const proxyId = reply.call!.proxyId;
  t.doesNotThrow(() => bridge.onLine(`{"jsonrpc":"2.0","id":${proxyId},"result":{"deep":${deepJson()}}}`));
  t.equal(reply.responded, `{"jsonrpc":"2.0","id":"c1","result":{"deep":${deepJson()}}}`, 'the answer reaches the client with its id');

  const second = new RecordingReply();
  bridge.request(session, request('c2', 'tools/call', { name: 'y' }), bodyOf('c2', 'tools/call', { name: 'y' }), second);
  const secondId = second.call!.proxyId;
  t.doesNotThrow(() => bridge.onLine(`{"jsonrpc":"2.0","id":${secondId},"id":${secondId},"result":{"deep":${deepJson()}}}`));
  t.equal(second.failed?.kind, 'UPSTREAM_UNREACHABLE', 'a repeated id on a deep answer: the call gets a 502 instead of hanging');
  t.equal(second.failed?.id, 'c2');
  t.equal(session.callCount, 0);

  const third = new RecordingReply();
  bridge.request(session, request('c3', 'tools/call', { name: 'z' }), bodyOf('c3', 'tools/call', { name: 'z' }), third);
  t.doesNotThrow(() => bridge.onLine(`{"jsonrpc":"2.0","id":"s9","id":"s9","method":"sampling/createMessage","params":{"deep":${deepJson()}}}`));
  t.match(JSON.parse(sent.at(-1)!), { id: 's9', error: { code: -32603 } }, 'such a server request is answered with an error at once');
  t.same(third.related_, [], 'and not sent to the client');
  t.equal(session.serverCalls.size, 0, 'nor kept pending');

  const warnings = logs.filter((l) => l['level'] === 40);
  t.equal(warnings.length, 2, 'one warning per dropped line');
  t.notOk(logs.some((l) => 'err' in l || (l['level'] as number) >= 50), 'no error-level line, no stack');
});
