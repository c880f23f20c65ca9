// Regression: the stdio bridge re-serialised every message it had to re-address. A client's
// tools/call went to the child as JSON.stringify of the parsed params, and the child's answer to
// the client as JSON.stringify of the parsed answer — so numbers a double cannot hold changed on
// the way: a BIGINT row id 12345678901234567890 arrived as 12345678901234567000 (the wrong row),
// 1e400 arrived as null, and the client's own id 9007199254740993 came back as
// 9007199254740992. What the chain judged (the webhook sees the client's bytes) was not what the
// child executed. Now the bridge swaps only the id (and the progress token) inside the original
// text; every other byte passes unchanged, both ways.
import t from 'tap';
import { startScriptedStdio } from '../helpers/scriptedStdio.js';
import { postJson } from '../helpers/http.js';

/** A stdio child that records each line and answers tools/call with numbers written as text. */
const CHILD = `
const { appendFileSync } = require('node:fs');
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  appendFileSync(process.env.RECORD_FILE, line + '\\n');
  const msg = JSON.parse(line);
  if (msg.id === undefined || msg.method === undefined) return;
  const id = /"id"\\s*:\\s*([^,}]+)/.exec(line)[1];
  if (msg.method === 'tools/call') {
    const token = msg.params && msg.params._meta && msg.params._meta.progressToken;
    if (token !== undefined) process.stdout.write('{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":' + JSON.stringify(token) + ',"progress":12345678901234567891,"total":1.50}}\\n');
    process.stdout.write('{"jsonrpc":"2.0","id":' + id + ',"result":{"content":[{"type":"text","text":"ok"}],"structuredContent":{"row":12345678901234567890,"ratio":1.50,"huge":1e400}}}\\n');
    return;
  }
  const result = msg.method === 'initialize'
    ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'numbers', version: '1' } }
    : {};
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
});
`;

t.test('stdio: numbers a double cannot hold pass the bridge unchanged, both ways', async (t) => {
  const { proxy, childLines } = await startScriptedStdio(t, CHILD, { name: 'numbers' });
  const init = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}');
  const sid = init.headers['mcp-session-id'] as string;
  await postJson(proxy.url, '{"jsonrpc":"2.0","method":"notifications/initialized"}', { 'mcp-session-id': sid });

  const args = '{"row":12345678901234567890,"ratio":1.50,"huge":1e400,"text":"a\\u00e9b"}';
  const call = `{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"update","arguments":${args},"_meta":{"progressToken":98765432109876543210}}}`;
  const r = await postJson(proxy.url, call, { 'mcp-session-id': sid });
  t.equal(r.status, 200);

  const received = childLines().find((l) => l.includes('"tools/call"'))!;
  t.ok(received.includes(`"arguments":${args}`), `the child got the arguments byte for byte: ${received}`);
  t.notMatch(received, /9007199254740993|98765432109876543210/, "the client's id and token were replaced by the proxy's");
  const proxyId = JSON.parse(received).id as number;
  t.match(received, new RegExp(`"progressToken":${proxyId}\\b`), "the progress token is the proxy's id");

  t.match(r.body, /"id":9007199254740993[,}]/, "the client's id comes back as it sent it");
  t.match(r.body, /"structuredContent":\{"row":12345678901234567890,"ratio":1.50,"huge":1e400\}/, "the child's numbers reach the client as written");
  t.match(r.body, /"progressToken":98765432109876543210,"progress":12345678901234567891,"total":1.50/, "progress carries the client's token and the child's numbers as written");
});
