// Regression (SPEC §1 shutdown, §8 request log): requests still in flight when the shutdown grace
// period ended had their connections destroyed — the client got no answer — but the request log
// line said `status: 502` (no `aborted`), a status that was never sent. The server destroyed the
// sockets, then closed the terminal, which failed the calls it still waited for with 502 and
// wrote them into responses whose 'close' had not been seen yet. Both terminals did it: the stdio
// bridge (its calls in flight), and the HTTP proxy (the pool's destruction, UND_ERR_DESTROYED).
// Now the server ends those responses itself, so nothing is written to them later, and the line
// says `aborted: true` with the reason, as for any response that did not complete.
import t, { type Test } from 'tap';
import { startScriptedStdio } from '../helpers/scriptedStdio.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { startRawUpstream } from '../helpers/upstream.js';
import { postJson, waitFor } from '../helpers/http.js';

const GRACE_MS = 300;

/** Answers initialize; tools/call never (with progress first when the call asks for it). */
const CHILD = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  require('node:fs').appendFileSync(process.env.RECORD_FILE, line + '\\n');
  const msg = JSON.parse(line);
  if (msg.id === undefined || msg.method === undefined) return;
  if (msg.method === 'tools/call') {
    const token = msg.params._meta && msg.params._meta.progressToken;
    if (token !== undefined) process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: token, progress: 1 } }) + '\\n');
    return;
  }
  const result = msg.method === 'initialize' ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'c', version: '1' } } : {};
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
});
`;

/** A tools/call the upstream never answers, in flight when the proxy stops with a short grace. */
async function cutAtShutdown(t: Test, proxy: InProcessProxy, headers: Record<string, string>, reached: () => boolean, meta = ''): Promise<void> {
  const answer = postJson(proxy.url, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow","arguments":{}${meta}}}`, headers).then(
    (r) => `status ${r.status}`,
    (err: Error) => err.message,
  );
  await waitFor(reached, 5_000, 'the call reached the upstream');
  await proxy.close(GRACE_MS);
  t.match(await answer, /^(socket hang up|aborted)$/, 'the client got no (complete) answer: its connection was closed');
  await waitFor(() => proxy.requestLogs().some((l) => l.mcpMethod === 'tools/call'), 5_000, 'the request log line');
  const line = proxy.requestLogs().find((l) => l.mcpMethod === 'tools/call')!;
  t.equal(line.aborted, true, `logged as aborted: ${JSON.stringify(line)}`);
  t.not(line.status, 502, 'not with a status that was never sent');
  t.match(line.reason, /shutdown/, 'the reason says what happened');
}

t.test('§1/§8 stdio: a call cut when the shutdown grace ends is logged aborted, not 502', async (t) => {
  const { proxy, childLines } = await startScriptedStdio(t, CHILD, { name: 'grace' });
  const init = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}');
  await cutAtShutdown(t, proxy, { 'mcp-session-id': init.headers['mcp-session-id'] as string }, () => childLines().some((l) => l.includes('tools/call')));
});

t.test('§1/§8 stdio: a call whose answer became an SSE stream, cut when the shutdown grace ends, is logged aborted, not complete', async (t) => {
  const { proxy, childLines } = await startScriptedStdio(t, CHILD, { name: 'grace' });
  const init = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}');
  const reached = () => childLines().some((l) => l.includes('tools/call'));
  await cutAtShutdown(t, proxy, { 'mcp-session-id': init.headers['mcp-session-id'] as string }, reached, ',"_meta":{"progressToken":"p"}');
});

t.test('§1/§8 HTTP upstream: a request cut when the shutdown grace ends is logged aborted, not 502', async (t) => {
  const upstream = await startRawUpstream(() => undefined);
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port), { store: 'memory' });
  t.teardown(() => proxy.close(0));
  await cutAtShutdown(t, proxy, {}, () => upstream.requests.length === 1);
});
