// SPEC §6 (stdio): a call whose answer has not started within the upstream timeout gets 504, the
// child is told to stop, and the call is forgotten; progress or a server request about it starts
// the answer, and then there is no bound (as for an HTTP upstream once its response head came).
import { performance } from 'node:perf_hooks';
import t from 'tap';
import type { Bridge } from '../../../src/stdio/bridge.js';
import type { McpMessage } from '../../../src/mcp/types.js';
import { bridgeHarness, RecordingReply } from '../../helpers/bridgeHarness.js';

const TIMEOUT = 60_000;

function setUp() {
  const harness = bridgeHarness({ answerTimeoutMs: TIMEOUT });
  t.teardown(() => harness.bridge.closeAll());
  return harness;
}

function call(bridge: Bridge, session: ReturnType<Bridge['sessions']['open']>, id: number, name = 'slow'): RecordingReply {
  const reply = new RecordingReply();
  const body = Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","_meta":{"progressToken":"t${id}"}}}`);
  const msg: McpMessage = { kind: 'request', method: 'tools/call', id, params: { name, _meta: { progressToken: `t${id}` } }, resourceId: name, arguments: undefined, meta: undefined };
  if (bridge.request(session, msg, body, reply) !== undefined) throw new Error('the call was refused');
  return reply;
}

const proxyIdOf = (line: string) => JSON.parse(line).id as number;

t.test('§6 stdio: an unanswered call gets 504 at its deadline, is cancelled at the child and forgotten', async (t) => {
  const { bridge, sent } = setUp();
  const reply = call(bridge, bridge.sessions.open('streamable-http'), 5);
  const proxyId = proxyIdOf(sent[0]!);
  bridge.expireCalls(performance.now() + TIMEOUT / 2);
  t.equal(reply.failed, undefined, 'not before the deadline');
  bridge.expireCalls(performance.now() + TIMEOUT + 1);
  t.match(reply.failed, { kind: 'UPSTREAM_TIMEOUT', status: 504, code: -32603, id: 5 });
  t.same(JSON.parse(sent.at(-1)!), { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: proxyId, reason: `stdio server did not start answering within ${TIMEOUT} ms` } });
  bridge.onLine(`{"jsonrpc":"2.0","id":${proxyId},"result":{}}`);
  t.equal(reply.responded, undefined, 'a late answer is dropped');
});

t.test('§6 stdio: progress starts the answer; the call is not cut after it', async (t) => {
  const { bridge, sent } = setUp();
  const reply = call(bridge, bridge.sessions.open('streamable-http'), 1);
  const proxyId = proxyIdOf(sent[0]!);
  bridge.onLine(`{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":${proxyId},"progress":1}}`);
  bridge.expireCalls(performance.now() + 10 * TIMEOUT);
  t.equal(reply.failed, undefined);
  bridge.onLine(`{"jsonrpc":"2.0","id":${proxyId},"result":{}}`);
  t.match(reply.responded, /"id":1,"result"/);
});

t.test('§6 stdio: a server request to a session stops the bound for every call of that session, not of others', async (t) => {
  const { bridge } = setUp();
  const a = bridge.sessions.open('streamable-http');
  const first = call(bridge, a, 1);
  const second = call(bridge, a, 2);
  bridge.onLine('{"jsonrpc":"2.0","id":"e1","method":"elicitation/create","params":{}}');
  const b = bridge.sessions.open('streamable-http');
  const other = call(bridge, b, 1);
  bridge.expireCalls(performance.now() + 10 * TIMEOUT);
  t.equal(first.failed, undefined, 'the call the request may be about waits for the person answering');
  t.equal(second.failed, undefined);
  t.equal(other.failed?.kind, 'UPSTREAM_TIMEOUT', "another session's call still has its bound");
});

t.test('§6 stdio: an initialize without an answer fails its client and those waiting; their streamable-HTTP sessions go, a legacy SSE session stays', async (t) => {
  const { bridge, sent } = setUp();
  const init = (session: ReturnType<Bridge['sessions']['open']>, id: number): RecordingReply => {
    const reply = new RecordingReply();
    const params = { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } };
    const msg: McpMessage = { kind: 'request', method: 'initialize', id, params, resourceId: 'c', arguments: undefined, meta: undefined };
    if (bridge.request(session, msg, Buffer.from(JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params })), reply) !== undefined) throw new Error('refused');
    return reply;
  };
  const first = bridge.sessions.open('streamable-http');
  const legacy = bridge.sessions.open('sse');
  const a = init(first, 1);
  const b = init(legacy, 2);
  t.equal(sent.length, 1, 'one initialize reached the child; the other waits for it');
  bridge.expireCalls(performance.now() + TIMEOUT + 1);
  t.match(a.failed, { kind: 'UPSTREAM_TIMEOUT', id: 1 });
  t.match(b.failed, { kind: 'UPSTREAM_TIMEOUT', id: 2 });
  t.notOk(sent.some((l) => l.includes('notifications/cancelled')), 'initialize is not cancelled at the child');
  t.equal(bridge.sessions.get(first.id), undefined, 'the session its initialize opened is gone');
  t.equal(bridge.sessions.get(legacy.id), legacy, 'the legacy SSE session (its stream) stays');
  init(bridge.sessions.open('streamable-http'), 3);
  t.equal(sent.length, 2, 'the next initialize is sent to the child again');
});
