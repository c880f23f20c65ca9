// Regression (SPEC §12: response data "cut at maxDataSize"): the audit kept the first maxDataSize
// bytes of a response and decoded them as UTF-8 even when the cut fell inside a multi-byte
// character, so the event's data.response ended in U+FFFD and was longer than the bound (102
// bytes for maxDataSize 100: half a character became the three bytes of U+FFFD). Now a response
// cut at the bound ends on a character boundary: a true prefix of what the client got, within the
// bound. Audit data is the same for every transport; both are checked.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunConfigFile } from '../../src/config/types.js';
import { startScriptedStdio } from '../helpers/scriptedStdio.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { postJson, waitFor } from '../helpers/http.js';

const MAX = 100;
/** Two-byte characters from well before the cut to well after it. */
const TEXT = 'é'.repeat(200);

/** Answers every request at once; tools/call with TEXT. */
const CHILD = `
const rl = require('node:readline').createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const msg = JSON.parse(line);
  if (msg.id === undefined || msg.method === undefined) return;
  const result = msg.method === 'tools/call' ? { content: [{ type: 'text', text: ${JSON.stringify(TEXT)} }] }
    : msg.method === 'initialize' ? { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'c', version: '1' } } : {};
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
});
`;

function auditConfig(): { logFile: string; audit: Partial<RunConfigFile> } {
  const logFile = join(mkdtempSync(join(tmpdir(), 'thv-audit-cut-')), 'audit.log');
  return { logFile, audit: { audit_config: { logFile, includeResponseData: true, maxDataSize: MAX } } };
}

/**
 * Two tools/calls whose answers differ by one byte before the text (ids 2 and 10), so that one of
 * the two cuts at MAX falls inside a character whatever the prefix length.
 */
async function checkCuts(t: Test, proxy: InProcessProxy, logFile: string, headers: Record<string, string>): Promise<void> {
  const bodies: string[] = [];
  for (const id of [2, 10]) {
    const r = await postJson(proxy.url, `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":{}}}`, headers);
    t.equal(r.status, 200);
    bodies.push(r.body);
  }
  await proxy.close(1_000);
  await waitFor(() => readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('mcp_tool_call')).length === 2, 5_000, 'two audit events');
  const events = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; data?: { response?: unknown; response_truncated?: boolean } });
  const calls = events.filter((e) => e.type === 'mcp_tool_call');
  calls.forEach((e, i) => {
    const data = e.data?.response;
    t.type(data, 'string', `call ${i + 1}: the cut response is kept as text`);
    const text = data as string;
    t.equal(e.data?.response_truncated, true);
    t.notOk(text.includes('\uFFFD'), `call ${i + 1}: no replacement character (${JSON.stringify(text.slice(-4))})`);
    t.ok(Buffer.byteLength(text) <= MAX, `call ${i + 1}: within maxDataSize (${Buffer.byteLength(text)} bytes)`);
    t.ok(Buffer.byteLength(text) >= MAX - 3, `call ${i + 1}: at most one character short of it`);
    t.ok(bodies[i]!.startsWith(text), `call ${i + 1}: a prefix of what the client received`);
  });
}

t.test('§12 audit (stdio): response data cut at maxDataSize ends on a character boundary', async (t) => {
  const { logFile, audit } = auditConfig();
  const { proxy } = await startScriptedStdio(t, CHILD, { name: 'cut', ...audit });
  const init = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}');
  await checkCuts(t, proxy, logFile, { 'mcp-session-id': init.headers['mcp-session-id'] as string });
});

t.test('§12 audit (HTTP upstream): response data cut at maxDataSize ends on a character boundary', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [{ type: 'text', text: TEXT }] }));
  t.teardown(() => upstream.close());
  const { logFile, audit } = auditConfig();
  const proxy = await startInProcess(httpConfig(upstream.port, audit), { store: 'memory' });
  t.teardown(() => proxy.close(0));
  await checkCuts(t, proxy, logFile, {});
});
