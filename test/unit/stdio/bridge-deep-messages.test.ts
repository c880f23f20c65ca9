// SPEC §7/§14 (stdio): the bridge must not crash on a message nested too deeply to serialise
// again (JSON.parse reads any depth, JSON.stringify overflows the stack past a few thousand
// levels), whatever bound a parser in front of it applies. The bridge here is real; the child is
// a recorder of the lines the bridge would write to it.
import { Writable } from 'node:stream';
import t from 'tap';
import pino from 'pino';
import { Bridge } from '../../../src/stdio/bridge.js';
import type { ClientCall, Reply } from '../../../src/stdio/calls.js';
import type { ChildLink } from '../../../src/stdio/supervisor.js';
import type { Rejection } from '../../../src/errors.js';
import type { McpMessage } from '../../../src/mcp/types.js';

const DEPTH = 20_000;

function deepValue(): unknown {
  let v: unknown = 'leaf';
  for (let i = 0; i < DEPTH; i++) v = [v];
  return v;
}
const deepJson = (): string => `${'['.repeat(DEPTH)}"leaf"${']'.repeat(DEPTH)}`;

class RecordingReply implements Reply {
  readonly related_: string[] = [];
  responded: string | undefined;
  failed: Rejection | undefined;
  call: ClientCall | undefined;
  related(line: string): boolean {
    this.related_.push(line);
    return true;
  }
  respond(line: string): void {
    this.responded = line;
  }
  fail(rejection: Rejection): void {
    this.failed = rejection;
  }
  abandon(): void {}
  bind(call: ClientCall): void {
    this.call = call;
  }
}

function setUp() {
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l) logs.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const sent: string[] = [];
  const child: ChildLink = { generation: 0, state: 'ready', send: (l: string) => void sent.push(l), sendDirect: (l: string) => void sent.push(l) };
  const bridge = new Bridge(child, pino({ level: 'debug' }, sink));
  const session = bridge.sessions.open('streamable-http');
  return { bridge, sent, session, logs };
}

function request(id: number | string, method: string, params: Record<string, unknown>): McpMessage {
  return { kind: 'request', method, id, params, resourceId: undefined, arguments: undefined, meta: undefined };
}

t.test('§7 stdio bridge: a request whose params are too deep is refused (400), nothing reaches the child', async (t) => {
  const { bridge, sent, session } = setUp();
  const reply = new RecordingReply();
  const refused = bridge.request(session, request(7, 'tools/call', { name: 'echo', arguments: { deep: deepValue() } }), reply);
  t.equal(refused?.kind, 'INVALID_REQUEST');
  t.equal(refused?.status, 400);
  t.equal(refused?.id, 7, 'with the request id');
  t.same(sent, [], 'nothing sent to the child');
  t.equal(session.callCount, 0, 'no call left pending');
  t.equal(reply.call, undefined, 'the reply was not used');

  // A deep initialize is refused too, and does not leave later initializes waiting for it.
  const init = bridge.request(session, request(1, 'initialize', { clientInfo: { name: 'x' }, deep: deepValue() }), new RecordingReply());
  t.equal(init?.kind, 'INVALID_REQUEST');
  t.equal(bridge.request(session, request(2, 'initialize', { clientInfo: { name: 'x' } }), new RecordingReply()), undefined);
  t.equal(sent.length, 1, 'the next initialize is forwarded');
  t.match(JSON.parse(sent[0]!), { method: 'initialize' });
});

t.test("§7 stdio bridge: a client's too-deep answer to a server request is refused and the child's request fails at once", async (t) => {
  const { bridge, sent, session } = setUp();
  const reply = new RecordingReply();
  t.equal(bridge.request(session, request(1, 'tools/call', { name: 'sample' }), reply), undefined);
  bridge.onLine('{"jsonrpc":"2.0","id":"child-7","method":"sampling/createMessage","params":{}}');
  t.equal(reply.related_.length, 1, 'the server request went out on the call');
  const clientFacingId = (JSON.parse(reply.related_[0]!) as { id: number }).id;
  const body = Buffer.from(`{"jsonrpc":"2.0","id":${clientFacingId},"result":{"deep":${deepJson()}}}`);
  const msg: McpMessage = { kind: 'response', method: undefined, id: clientFacingId, params: undefined, resourceId: undefined, arguments: undefined, meta: undefined };
  const refused = bridge.response(session, msg, body);
  t.equal(refused?.status, 400);
  t.equal(refused?.id, clientFacingId);
  t.same(JSON.parse(sent.at(-1)!), { jsonrpc: '2.0', id: 'child-7', error: { code: -32603, message: "the client's answer was nested too deeply to forward" } });
  t.equal(session.serverCalls.size, 0, 'the server request is no longer pending');
});

t.test('§7 stdio bridge: too-deep lines from the child are dropped with a warning, never thrown', async (t) => {
  const { bridge, sent, session, logs } = setUp();
  const reply = new RecordingReply();
  bridge.request(session, request('c1', 'tools/call', { name: 'x' }), reply);
  const proxyId = reply.call!.proxyId;
  t.doesNotThrow(() => bridge.onLine(`{"jsonrpc":"2.0","id":${proxyId},"result":{"deep":${deepJson()}}}`));
  t.equal(reply.failed?.kind, 'UPSTREAM_UNREACHABLE', 'the call gets a 502 instead of hanging');
  t.equal(reply.failed?.id, 'c1');
  t.equal(session.callCount, 0);

  const second = new RecordingReply();
  bridge.request(session, request('c2', 'tools/call', { name: 'y' }), second);
  t.doesNotThrow(() => bridge.onLine(`{"jsonrpc":"2.0","id":"s9","method":"sampling/createMessage","params":{"deep":${deepJson()}}}`));
  t.match(JSON.parse(sent.at(-1)!), { id: 's9', error: { code: -32603 } }, 'a too-deep server request is answered with an error at once');
  t.same(second.related_, [], 'and not sent to the client');
  t.equal(session.serverCalls.size, 0, 'nor kept pending');

  const warnings = logs.filter((l) => l['level'] === 40);
  t.equal(warnings.length, 2, 'one warning per dropped line');
  t.notOk(logs.some((l) => 'err' in l || (l['level'] as number) >= 50), 'no error-level line, no stack');
});
