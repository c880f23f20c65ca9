// Regression (SPEC §6, §14): the stdio bridge waited for the child's answer without a bound. A
// child that never answered held the client's socket and the call in the proxy's memory forever —
// the first `initialize` too, and every client that initialized behind it. An HTTP upstream
// silent past the header timeout (30 s) is answered 504; now a stdio call whose answer has not
// started within the same bound gets the same 504 (-32603), is cancelled at the child and
// forgotten, and the child's late answer is dropped with a debug line. A call the child reports
// progress on has started its answer and is not cut.
import t from 'tap';
import { startScriptedStdio } from '../helpers/scriptedStdio.js';
import { postJson, waitFor, type RawResponse } from '../helpers/http.js';

// Generous margins: a loaded machine must not deliver the progress notification after the bound.
const BOUND_MS = 1_000;
const LATE_MS = 2_500;

/**
 * Answers ping and initialize (not the one of client "silent"); tools/call "silent" never,
 * "late" after LATE_MS, "progress" with a progress notification at once and the answer after
 * LATE_MS, anything else at once. Records every line it reads.
 */
const CHILD = `
const { appendFileSync } = require('node:fs');
const rl = require('node:readline').createInterface({ input: process.stdin });
const answer = (id, result) => process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id, result }) + '\\n');
rl.on('line', (line) => {
  appendFileSync(process.env.RECORD_FILE, line + '\\n');
  const msg = JSON.parse(line);
  if (msg.id === undefined || msg.method === undefined) return;
  if (msg.method === 'initialize') {
    if (msg.params.clientInfo.name === 'silent') return;
    return answer(msg.id, { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'silent', version: '1' } });
  }
  if (msg.method !== 'tools/call') return answer(msg.id, {});
  const name = msg.params.name;
  const done = () => answer(msg.id, { content: [{ type: 'text', text: name }] });
  if (name === 'silent') return;
  if (name === 'late') return void setTimeout(done, ${LATE_MS});
  if (name === 'progress') {
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', method: 'notifications/progress', params: { progressToken: msg.params._meta.progressToken, progress: 1 } }) + '\\n');
    return void setTimeout(done, ${LATE_MS});
  }
  done();
});
`;

/** The answer, or 'no answer' when none came within `ms` (the defect: none ever came). */
async function within(ms: number, answer: Promise<RawResponse>): Promise<RawResponse | 'no answer'> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<'no answer'>((resolve) => (timer = setTimeout(() => resolve('no answer'), ms)));
  try {
    return await Promise.race([answer, giveUp]);
  } finally {
    clearTimeout(timer);
  }
}

const initialize = (name: string, id: number | string = 1) =>
  `{"jsonrpc":"2.0","id":${id},"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"${name}","version":"1"}}}`;
const toolCall = (id: number, name: string, meta = '') => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${name}","arguments":{}${meta}}}`;

t.test('§6 stdio: a call the child does not answer gets 504 after the upstream timeout, like an HTTP upstream', async (t) => {
  const { proxy, childLines } = await startScriptedStdio(t, CHILD, { name: 'silent' }, { headersTimeoutMs: BOUND_MS });

  // The first initialize reaches the child, which never answers it; a second client waits behind it.
  const start = performance.now();
  const firstAnswer = within(5_000, postJson(proxy.url, initialize('silent', '"a"')));
  await waitFor(() => childLines().some((l) => l.includes('"silent"')), 2_000, 'the first initialize reached the child');
  const [first, second] = await Promise.all([firstAnswer, within(5_000, postJson(proxy.url, initialize('waiting', 7)))]);
  const took = performance.now() - start;
  t.not(first, 'no answer', 'the initialize the child never answers is answered by the proxy');
  if (first === 'no answer' || second === 'no answer') return;
  t.equal(first.status, 504);
  t.same(JSON.parse(first.body), { jsonrpc: '2.0', id: 'a', error: { code: -32603, message: 'Upstream MCP server did not answer in time' } });
  t.equal(first.headers['mcp-session-id'], undefined, 'no session was opened');
  t.equal(second.status, 504, 'the client that waited behind it too');
  t.same(JSON.parse(second.body).id, 7);
  t.ok(took >= BOUND_MS - 50 && took < BOUND_MS + 3_000, `after the bound (${took.toFixed(0)} ms, bound ${BOUND_MS} ms)`);
  t.notOk(childLines().some((l) => l.includes('notifications/cancelled')), 'initialize is never cancelled (MCP forbids it)');

  // The next initialize is forwarded again; this one the child answers.
  const init = await postJson(proxy.url, initialize('ok'));
  t.equal(init.status, 200, 'a later initialize is sent to the child again');
  const sid = init.headers['mcp-session-id'] as string;
  await postJson(proxy.url, '{"jsonrpc":"2.0","method":"notifications/initialized"}', { 'mcp-session-id': sid });

  const silent = await within(5_000, postJson(proxy.url, toolCall(41, 'silent'), { 'mcp-session-id': sid }));
  t.not(silent, 'no answer', 'a tools/call the child never answers is answered by the proxy');
  if (silent === 'no answer') return;
  t.equal(silent.status, 504);
  t.same(JSON.parse(silent.body), { jsonrpc: '2.0', id: 41, error: { code: -32603, message: 'Upstream MCP server did not answer in time' } });
  const forwarded = childLines().find((l) => l.includes('"silent"') && l.includes('tools/call'))!;
  const proxyId = JSON.parse(forwarded).id as number;
  const cancelled = childLines().find((l) => l.includes('notifications/cancelled'));
  t.ok(cancelled, 'the child is told to stop working on it');
  t.equal(cancelled && JSON.parse(cancelled).params.requestId, proxyId, 'naming the id the child knows');

  // The proxy's own answer echoes the client's id as written (SPEC §7), not as a double prints it.
  const big = await postJson(proxy.url, toolCall(41, 'silent').replace('"id":41', '"id":9007199254740993'), { 'mcp-session-id': sid });
  t.equal(big.status, 504);
  t.match(big.body, /^\{"jsonrpc":"2\.0","id":9007199254740993,"error"/, 'a big id comes back as the client wrote it');

  // An answer that comes after the bound is dropped (the client already has its 504).
  const late = await postJson(proxy.url, toolCall(42, 'late'), { 'mcp-session-id': sid });
  t.equal(late.status, 504);
  const lateId = JSON.parse(childLines().find((l) => l.includes('"late"') && l.includes('tools/call'))!).id as number;
  await waitFor(
    () => proxy.logs.some((l) => l.level === 20 && l.id === lateId && typeof l.msg === 'string' && l.msg.includes('no client waits for')),
    LATE_MS + 5_000,
    'the debug line of the late answer',
  );
  t.pass('the late answer is dropped with a debug line');

  // The bound is on the start of the answer: progress starts it, the answer may come later.
  const progress = await postJson(proxy.url, toolCall(43, 'progress', ',"_meta":{"progressToken":"p"}'), { 'mcp-session-id': sid });
  t.equal(progress.status, 200, 'a call with progress is not cut');
  t.match(progress.body, /"id":43,"result"/);

  const quick = await postJson(proxy.url, toolCall(44, 'quick'), { 'mcp-session-id': sid });
  t.equal(quick.status, 200, 'and the child still serves');
  const logged = proxy.requestLogs().filter((l) => l.status === 504);
  t.equal(logged.length, 5, 'the request log has the five 504s');
});
