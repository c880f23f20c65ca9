// Regression (SPEC §6, docs/stdio.md "Id mapping": only the id is rewritten, every other byte
// passes as written): a client's notifications/cancelled for one of its calls in flight reached
// the child rebuilt by the bridge — `{"requestId":<proxy id>,"reason":"cancelled by the client"}`
// — so the child got a reason the client never wrote, and lost the rest of what the client sent
// (`_meta`). Now the client's own bytes go to the child with only the requestId swapped.
import t from 'tap';
import { startScriptedStdio } from '../helpers/scriptedStdio.js';
import { postJson, waitFor } from '../helpers/http.js';

/** Answers initialize; tools/call "slow" never (the client cancels it), anything else at once. */
const CHILD = `
const { appendFileSync } = require('node:fs');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  appendFileSync(process.env.RECORD_FILE, line + '\\n');
  const msg = JSON.parse(line);
  if (msg.id === undefined || msg.method === undefined) return;
  if (msg.method === 'tools/call' && msg.params.name === 'slow') return;
  const result = msg.method === 'initialize' ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'c', version: '1' } } : {};
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
});
`;

t.test("§6 stdio: a client's notifications/cancelled reaches the child as sent, with only the requestId mapped", async (t) => {
  const { proxy, childLines } = await startScriptedStdio(t, CHILD, { name: 'cancel' });
  const init = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}');
  const sid = init.headers['mcp-session-id'] as string;

  const pending = postJson(proxy.url, '{"jsonrpc":"2.0","id":"call-7","method":"tools/call","params":{"name":"slow","arguments":{}}}', { 'mcp-session-id': sid });
  await waitFor(() => childLines().some((l) => l.includes('"slow"')), 5_000, 'the call reached the child');
  const proxyId = JSON.parse(childLines().find((l) => l.includes('"slow"'))!).id as number;

  const before = '{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":';
  const after = ',"reason":"User pressed Stop: \\u00e9t\\u00e9 \u2603","_meta":{"trace":12345678901234567890}}}';
  const cancel = await postJson(proxy.url, `${before}"call-7"${after}`, { 'mcp-session-id': sid });
  t.equal(cancel.status, 202);
  t.equal((await pending).status, 202, 'the cancelled call ends without an answer');

  await waitFor(() => childLines().some((l) => l.includes('notifications/cancelled')), 5_000, 'the cancellation reached the child');
  const received = childLines().find((l) => l.includes('notifications/cancelled'))!;
  t.equal(received, `${before}${proxyId}${after}`, 'every byte as the client sent it, the requestId the one the child knows');
});
