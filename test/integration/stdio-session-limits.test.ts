// SPEC §14 (stdio): per-session bounds besides the session caps (stdio-sessions-capped):
// - open SSE streams per session (default 16, the GET stream included): past it a request's
//   related messages (progress, server requests) travel on the session's GET stream and its
//   answer stays plain JSON — nothing fails;
// - server-to-client requests left unanswered per session (default 32): past it the child's
//   request gets a JSON-RPC error at once instead of piling up.
// The child is a small stdio MCP server written for these cases.
import http from 'node:http';
import t, { type Test } from 'tap';
import { startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';

const SERVER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const out = (m) => process.stdout.write(JSON.stringify(m) + '\\n');
const text = (id, t) => out({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: t }] } });
const held = [];
const asked = new Map();
let next = 1;
rl.on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === undefined) {
    // A client's answer (or the proxy's refusal) to one of our requests.
    const call = asked.get(m.id);
    if (!call) return;
    asked.delete(m.id);
    call.answers.push(m.error ? m.error.message : 'answered');
    if (call.answers.length === call.expect) text(call.id, JSON.stringify(call.answers));
    return;
  }
  if (m.id === undefined) return;
  if (m.method === 'initialize') return out({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'limits', version: '1' } } });
  const args = m.params && m.params.arguments;
  if (m.method === 'tools/call' && m.params.name === 'hold') {
    // Progress at once; every held call is answered when the last of them arrives.
    out({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: m.params._meta.progressToken, progress: 1 } });
    held.push(m.id);
    if (held.length === args.of) for (const id of held.splice(0)) text(id, 'released');
    return;
  }
  if (m.method === 'tools/call' && m.params.name === 'ask') {
    const call = { id: m.id, answers: [], expect: args.expect };
    for (let i = 0; i < args.n; i++) {
      const id = 'ask-' + next++;
      asked.set(id, call);
      out({ jsonrpc: '2.0', id, method: 'sampling/createMessage', params: { messages: [], maxTokens: 1 } });
    }
    return;
  }
  out({ jsonrpc: '2.0', id: m.id, result: {} });
});
`;

async function start(t: Test): Promise<{ proxy: InProcessProxy; sid: string }> {
  const proxy = await startInProcess({ name: 'limits', transport: 'stdio', command: process.execPath, cmd_args: ['-e', SERVER], port: 0 }, { store: 'memory' });
  t.teardown(() => proxy.close(1_000));
  const init = await postJson(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'c', version: '1' } } }));
  return { proxy, sid: init.headers['mcp-session-id'] as string };
}

interface Received {
  readonly status: number;
  readonly type: string | undefined;
  readonly body: string;
}

function post(url: string, sid: string, body: unknown): Promise<Received> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/mcp',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: res.headers['content-type'], body: data }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

/** The data of every complete event line so far. */
const events = (sse: string): Array<Record<string, unknown>> =>
  sse
    .slice(0, sse.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.startsWith('data: '))
    .map((l) => JSON.parse(l.slice(6)) as Record<string, unknown>);

t.test('§14 stdio: at most 16 open SSE streams per session; past it progress goes on the GET stream and answers stay JSON', async (t) => {
  const { proxy, sid } = await start(t);
  const u = new URL(proxy.url);
  let standalone = '';
  let onData = (): void => undefined;
  await new Promise<void>((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/mcp', agent: false, headers: { accept: 'text/event-stream', 'mcp-session-id': sid } }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        standalone += d;
        onData();
      });
      res.on('error', () => undefined);
      resolve();
    });
    req.on('error', reject);
    t.teardown(() => req.destroy());
  });

  const N = 20;
  const answers = await Promise.all(
    Array.from({ length: N }, (_, i) => post(proxy.url, sid, { jsonrpc: '2.0', id: i, method: 'tools/call', params: { name: 'hold', arguments: { of: N }, _meta: { progressToken: `tok-${i}` } } })),
  );
  const streamed = answers.filter((a) => a.type === 'text/event-stream');
  const plain = answers.filter((a) => a.type === 'application/json');
  t.equal(streamed.length, 15, '15 answers became streams (16 with the GET stream)');
  t.equal(plain.length, N - 15, 'the others stayed plain JSON');
  for (const [i, a] of answers.entries()) {
    const last = a.type === 'application/json' ? (JSON.parse(a.body) as Record<string, unknown>) : events(a.body).at(-1);
    t.match(last, { id: i, result: { content: [{ text: 'released' }] } }, `call ${i} answered`);
  }
  // The answers may arrive before the GET stream's last events are read: wait for them.
  const progressOnGet = (): Array<Record<string, unknown>> => events(standalone).filter((e) => e['method'] === 'notifications/progress');
  if (progressOnGet().length < plain.length) await new Promise<void>((resolve) => (onData = () => progressOnGet().length >= plain.length && resolve()));
  const onGet = progressOnGet();
  const plainTokens = plain.map((a) => `tok-${(JSON.parse(a.body) as { id: number }).id}`).sort();
  t.same(onGet.map((e) => (e['params'] as { progressToken: string }).progressToken).sort(), plainTokens, 'their progress came on the GET stream');
});

t.test('§14 stdio: at most 32 server requests unanswered per session; the child gets an error for the rest at once', async (t) => {
  const { proxy, sid } = await start(t);
  const res = await post(proxy.url, sid, { jsonrpc: '2.0', id: 'ask', method: 'tools/call', params: { name: 'ask', arguments: { n: 40, expect: 8 } } });
  t.equal(res.type, 'text/event-stream');
  const evs = events(res.body);
  t.equal(evs.filter((e) => e['method'] === 'sampling/createMessage').length, 32, '32 server requests reached the client');
  const last = evs.at(-1) as { id: string; result: { content: Array<{ text: string }> } };
  t.equal(last.id, 'ask');
  const refusals = JSON.parse(last.result.content[0]!.text) as string[];
  t.equal(refusals.length, 8);
  t.ok(refusals.every((m) => /too many requests from the server unanswered/.test(m)), 'the other 8 were refused at once');
  t.equal(proxy.logs.filter((l) => l.level === 40 && /too many unanswered/.test(String(l.msg))).length, 8, 'one warning each');
});
