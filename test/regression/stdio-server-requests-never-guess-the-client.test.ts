// Regression (SPEC §6: server-to-client requests "reach the right client"): stdio does not say
// which client request caused a sampling or elicitation request, and the bridge sent it to the
// client whose request started last. With two clients calling at once, client A's sampling
// prompt reached client B, and A's tool got B's answer (an audit with server-everything and the
// SDK client saw exactly that). Now, when calls of several clients are in flight, the child's
// request is refused (-32603) instead of guessed; with one client's calls in flight it still
// goes to that client.
import { Writable } from 'node:stream';
import t from 'tap';
import pino from 'pino';
import { Bridge } from '../../src/stdio/bridge.js';
import type { ClientCall, Reply } from '../../src/stdio/calls.js';
import type { ChildLink } from '../../src/stdio/supervisor.js';
import type { McpMessage } from '../../src/mcp/types.js';

class RecordingReply implements Reply {
  readonly related_: string[] = [];
  related(line: string): boolean {
    this.related_.push(line);
    return true;
  }
  respond(): void {}
  fail(): void {}
  abandon(): void {}
  bind(_call: ClientCall): void {}
}

function setUp() {
  const sent: string[] = [];
  const child: ChildLink = { generation: 0, state: 'ready', send: (l: string) => void sent.push(l), sendDirect: (l: string) => void sent.push(l), inputFull: () => false };
  const bridge = new Bridge(child, pino({ level: 'silent' }, new Writable({ write: (_c, _e, cb) => cb() })));
  return { bridge, sent };
}

function call(bridge: Bridge, session: ReturnType<Bridge['sessions']['open']>, id: number, reply: Reply): void {
  const body = Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"trigger-sampling-request"}}`);
  const msg: McpMessage = { kind: 'request', method: 'tools/call', id, params: { name: 'trigger-sampling-request' }, resourceId: 'trigger-sampling-request', arguments: undefined, meta: undefined };
  t.equal(bridge.request(session, msg, body, reply), undefined);
}

const SAMPLING = '{"jsonrpc":"2.0","id":"s-1","method":"sampling/createMessage","params":{"messages":[{"role":"user","content":{"type":"text","text":"A\'s secret prompt"}}]}}';

t.test('§6 stdio: with calls of two clients in flight a server request reaches neither; the child gets an error', async (t) => {
  const { bridge, sent } = setUp();
  const a = new RecordingReply();
  const b = new RecordingReply();
  call(bridge, bridge.sessions.open('streamable-http'), 1, a);
  call(bridge, bridge.sessions.open('streamable-http'), 1, b);
  bridge.onLine(SAMPLING);
  t.same(a.related_, [], 'not sent to A');
  t.same(b.related_, [], 'not sent to B (whose call started last)');
  t.match(JSON.parse(sent.at(-1)!), { jsonrpc: '2.0', id: 's-1', error: { code: -32603, message: /several clients/ } });
});

t.test('§6 stdio: with one client\'s calls in flight the server request reaches that client', async (t) => {
  const { bridge } = setUp();
  const a = new RecordingReply();
  const session = bridge.sessions.open('streamable-http');
  call(bridge, session, 1, a);
  call(bridge, session, 2, a);
  bridge.onLine(SAMPLING);
  t.equal(a.related_.length, 1, 'sent on the latest call of that client');
  t.match(JSON.parse(a.related_[0]!), { method: 'sampling/createMessage' });
});
