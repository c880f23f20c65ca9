// Regression (issue 17, defect 11, stdio part): client mistakes were answered 500 with a stack
// trace in the log. A malformed percent-escape in the legacy transport's `sessionId`
// (`/messages?sessionId=%zz`) threw URIError; params nested ~100 000 deep overflowed the stack
// when the bridge serialised the message again for the child (and likewise a client's deep
// answer to a server request). Each is a 400 with a JSON-RPC error, one request log line, no
// stack trace, and the session keeps working. (The MCP parser now refuses nesting deeper than
// its own bound first; the bridge's own guard for what gets past a parser is covered by
// test/unit/stdio/bridge-deep-messages.test.ts.)
import http from 'node:http';
import t, { type Test } from 'tap';
import { startInProcess, type InProcessProxy, type LogLine } from '../helpers/proxy.js';
import { postJson, send } from '../helpers/http.js';
import { EVERYTHING_ENTRY } from '../helpers/stdioHarness.js';

const DEPTH = 100_000;
const deep = (): string => `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;

async function start(t: Test, proxyMode: 'streamable-http' | 'sse'): Promise<InProcessProxy> {
  const proxy = await startInProcess(
    { name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], proxy_mode: proxyMode, port: 0 },
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(1_000));
  return proxy;
}

/** What the proxy logged about one request: its request line, and nothing at error level or with a stack. */
function checkLogs(t: Test, lines: LogLine[], status: number): void {
  const requests = lines.filter((l) => l.msg === 'request');
  t.equal(requests.length, 1, 'one request log line');
  t.equal(requests[0]?.['status'], status, 'the request line has the status');
  t.ok(requests[0]?.['reason'], `the request line says why (${String(requests[0]?.['reason'])})`);
  const bad = lines.filter((l) => (l.level ?? 0) >= 50 || 'err' in l || JSON.stringify(l).includes('    at '));
  t.same(bad, [], 'nothing at error level, no stack trace');
}

/** The logs written while `fn` ran, once its request line is there. */
async function logsOf<T>(proxy: InProcessProxy, fn: () => Promise<T>): Promise<[T, LogLine[]]> {
  const from = proxy.logs.length;
  const result = await fn();
  const deadline = Date.now() + 5_000;
  while (!proxy.logs.slice(from).some((l) => l.msg === 'request') && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  return [result, proxy.logs.slice(from).filter((l) => l['stream'] !== 'stderr')];
}

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'raw', version: '1' } },
});

async function session(proxy: InProcessProxy): Promise<string> {
  const init = await postJson(proxy.url, INIT);
  const sid = init.headers['mcp-session-id'] as string;
  await postJson(proxy.url, '{"jsonrpc":"2.0","method":"notifications/initialized"}', { 'mcp-session-id': sid });
  return sid;
}

t.test('§7 stdio sse: /messages?sessionId=%zz is a 400 JSON-RPC error, not a 500', async (t) => {
  const proxy = await start(t, 'sse');
  const [res, lines] = await logsOf(proxy, () =>
    send(proxy.url, { path: '/messages?sessionId=%zz', headers: { 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0","id":3,"method":"ping"}' }),
  );
  t.equal(res.status, 400);
  t.same(JSON.parse(res.body), { jsonrpc: '2.0', id: 3, error: { code: -32600, message: 'Invalid Request' } });
  checkLogs(t, lines, 400);
});

t.test(`§7 stdio: a request with params nested ${DEPTH} deep is a 400, and the session keeps working`, async (t) => {
  const proxy = await start(t, 'streamable-http');
  const sid = await session(proxy);
  const body = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"message":${deep()}}}}`;
  const [res, lines] = await logsOf(proxy, () => postJson(proxy.url, body, { 'mcp-session-id': sid }));
  t.equal(res.status, 400, res.body.slice(0, 200));
  t.match(JSON.parse(res.body), { jsonrpc: '2.0', error: { code: Number, message: String } }, 'a JSON-RPC error');
  checkLogs(t, lines, 400);

  const echo = await postJson(proxy.url, '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo","arguments":{"message":"still here"}}}', {
    'mcp-session-id': sid,
  });
  t.equal(echo.status, 200);
  t.match(JSON.parse(echo.body), { id: 4, result: { content: [{ text: 'Echo: still here' }] } });
});

t.test(`§7 stdio: a client's answer to a server request nested ${DEPTH} deep is a 400, and the session keeps working`, async (t) => {
  const proxy = await start(t, 'streamable-http');
  const sid = await session(proxy);
  // The tool call's answer becomes an SSE stream that first carries the sampling request.
  const url = new URL(proxy.url);
  const sampling = new Promise<{ id: number; tool: Promise<string> }>((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: '/mcp',
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sid },
      },
      (res) => {
        let text = '';
        let found = false;
        const tool = new Promise<string>((done) => res.on('end', () => done(text)));
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          text += d;
          const m = /"method":"sampling\/createMessage".*?"id":(\d+)|"id":(\d+)[^\n]*"method":"sampling\/createMessage"/.exec(text);
          if (m && !found) {
            found = true;
            resolve({ id: Number(m[1] ?? m[2]), tool });
          }
        });
      },
    );
    req.on('error', reject);
    req.end('{"jsonrpc":"2.0","id":"tool-call","method":"tools/call","params":{"name":"trigger-sampling-request","arguments":{"prompt":"p","maxTokens":5}}}');
  });
  const { id, tool } = await sampling;
  const answer = `{"jsonrpc":"2.0","id":${id},"result":{"model":"m","role":"assistant","content":{"type":"text","text":"x"},"extra":${deep()}}}`;
  const [res, lines] = await logsOf(proxy, () => postJson(proxy.url, answer, { 'mcp-session-id': sid }));
  t.equal(res.status, 400, res.body.slice(0, 200));
  t.match(JSON.parse(res.body), { jsonrpc: '2.0', error: { code: Number, message: String } }, 'a JSON-RPC error');
  checkLogs(t, lines, 400);
  // A proper answer afterwards is accepted (202); the tool call then ends either way: with the
  // sampled text, or, when the bridge had already failed the server request, with its error.
  const good = `{"jsonrpc":"2.0","id":${id},"result":{"model":"m","role":"assistant","content":{"type":"text","text":"fine"}}}`;
  t.equal((await postJson(proxy.url, good, { 'mcp-session-id': sid })).status, 202);
  const events = (await tool).split('\n').filter((l) => l.startsWith('data: '));
  const last = JSON.parse(events.at(-1)!.slice(6)) as { id: unknown };
  t.equal(last.id, 'tool-call', 'the tool call is answered');
});
