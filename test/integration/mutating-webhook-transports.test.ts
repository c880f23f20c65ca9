// SPEC §11 on every upstream transport: the official MCP SDK client, through the proxy, gets the
// answer to the patched call — streamable HTTP and legacy SSE (`/message`, where the server's own
// JSON body parser checks the Content-Length we send) to server-everything, and stdio (both
// proxy modes) to server-everything as a child process. A stdio notification, forwarded as the
// request's bytes, carries the patch too.
import t, { type Test } from 'tap';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { RunConfigFile } from '../../src/config/types.js';
import { startEverything } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { send, waitFor } from '../helpers/http.js';
import { EVERYTHING_ENTRY } from '../helpers/stdioHarness.js';
import { startMutatingWebhook, webhookEntry, type PatchOp } from '../helpers/mutatingWebhook.js';

/** Rewrites the echo tool's message; leaves every other request alone. */
function rewriteEcho({ mcp_request }: { mcp_request: Record<string, any> }): PatchOp[] {
  if (mcp_request.method !== 'tools/call' || mcp_request.params?.name !== 'echo') return [];
  return [{ op: 'replace', path: '/mcp_request/params/arguments/message', value: `patched: ${mcp_request.params.arguments.message.length} chars withheld` }];
}

function text(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

async function sdkEcho(t: Test, endpoint: string, sse: boolean): Promise<string> {
  const client = new Client({ name: 'mutating-test', version: '1.0.0' });
  await client.connect(sse ? new SSEClientTransport(new URL(endpoint)) : new StreamableHTTPClientTransport(new URL(endpoint)));
  t.teardown(() => client.close());
  return text(await client.callTool({ name: 'echo', arguments: { message: 'my password is hunter2' } }));
}

const ANSWER = 'Echo: patched: 22 chars withheld';

for (const mode of ['streamableHttp', 'sse'] as const) {
  t.test(`§11 SDK client through the proxy gets the answer to the patched call (HTTP upstream, ${mode})`, async (t) => {
    const upstream = await startEverything(mode);
    t.teardown(() => upstream.close());
    const hook = await startMutatingWebhook(t, rewriteEcho);
    const proxy = await startInProcess(
      httpConfig(upstream.port, { transport: mode === 'sse' ? 'sse' : 'streamable-http', mutating_webhooks: [webhookEntry('redact', hook)] }),
    );
    t.teardown(() => proxy.close(1000));
    t.equal(await sdkEcho(t, proxy.endpoint, mode === 'sse'), ANSWER);
    const line = proxy.requestLogs().find((l) => l.tool === 'echo')!;
    t.equal(line.status, mode === 'sse' ? 202 : 200);
    t.same(line.patches, [{ webhook: 'redact', op: 'replace', path: '/mcp_request/params/arguments/message' }]);
  });
}

for (const proxyMode of ['streamable-http', 'sse'] as const) {
  t.test(`§11 SDK client gets the answer to the patched call (stdio upstream, exposed as ${proxyMode})`, async (t) => {
    const hook = await startMutatingWebhook(t, rewriteEcho);
    const file: RunConfigFile = {
      name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], proxy_mode: proxyMode, port: 0,
      mutating_webhooks: [webhookEntry('redact', hook)],
    };
    const proxy = await startInProcess(file);
    t.teardown(() => proxy.close(1000));
    t.equal(await sdkEcho(t, proxy.endpoint, proxyMode === 'sse'), ANSWER);
  });
}

// A stdio "server" that records every line it reads and answers requests with an empty result.
const RECORDER = `
const fs = require('node:fs');
let buf = '';
process.stdin.on('data', (d) => {
  buf += d;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i); buf = buf.slice(i + 1);
    fs.appendFileSync(process.env.REC, line + '\\n');
    const msg = JSON.parse(line);
    if (msg.id === undefined || msg.method === undefined) continue;
    const result = msg.method === 'initialize'
      ? { protocolVersion: '2025-06-18', capabilities: {}, serverInfo: { name: 'rec', version: '1' } }
      : {};
    process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
  }
});`;

t.test('§11 stdio: a patched notification reaches the child as the patched bytes, a patched request with its params', async (t) => {
  const rec = join(mkdtempSync(join(tmpdir(), 'thv-mut-')), 'lines.jsonl');
  const hook = await startMutatingWebhook(t, ({ mcp_request }) =>
    mcp_request.method === 'initialize'
      ? []
      : mcp_request.params === undefined
        ? [{ op: 'add', path: '/mcp_request/params', value: { tenant: 'blue' } }]
        : [{ op: 'add', path: '/mcp_request/params/tenant', value: 'blue' }],
  );
  const proxy = await startInProcess({
    name: 'rec', transport: 'stdio', command: process.execPath, cmd_args: ['-e', RECORDER], env_vars: { REC: rec }, port: 0,
    mutating_webhooks: [webhookEntry('tenant', hook)],
  });
  t.teardown(() => proxy.close(1000));
  const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  const init = await send(proxy.url, {
    path: '/mcp', headers,
    body: '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}',
  });
  t.equal(init.status, 200, init.body);
  const session = { ...headers, 'mcp-session-id': String(init.headers['mcp-session-id']) };
  const note = await send(proxy.url, { path: '/mcp', headers: session, body: '{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}' });
  t.equal(note.status, 202);
  const call = await send(proxy.url, { path: '/mcp', headers: session, body: '{"jsonrpc":"2.0","id":5,"method":"tools/list","params":{}}' });
  t.equal(call.status, 200, call.body);
  await waitFor(() => existsSync(rec) && readFileSync(rec, 'utf8').split('\n').filter(Boolean).length >= 3, 5000, 'the child to read three lines');
  const lines = readFileSync(rec, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>);
  t.same(lines.find((l) => l.method === 'notifications/roots/list_changed'), { jsonrpc: '2.0', method: 'notifications/roots/list_changed', params: { tenant: 'blue' } });
  t.same(lines.find((l) => l.method === 'tools/list')!.params, { tenant: 'blue' });
});
