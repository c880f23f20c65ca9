// SPEC §10: a call to a renamed tool carries its real name into every later stage — the
// validating webhook's mcp_request, Cedar and the upstream all see "echo" when the client called
// "say"; a call to a hidden tool reaches neither the webhook nor the upstream. And through the
// stdio bridge's legacy SSE mode (proxy_mode sse), where answers travel on the GET stream, the
// list is renamed and filtered too.
import t from 'tap';
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { startWebhookServer } from '../helpers/webhookServer.js';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import type { RunConfigFile } from '../../src/config/types.js';

const require = createRequire(import.meta.url);

t.test('§10 webhooks, Cedar and the upstream see the real name; a hidden tool reaches none of them', async (t) => {
  const webhook = await startWebhookServer();
  t.teardown(() => webhook.close());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(
    httpConfig(upstream.port, {
      tools_filter: ['say'],
      tools_override: { echo: { name: 'say' } },
      validating_webhooks: [{ name: 'policy', url: webhook.url, failure_policy: 'fail', tls_config: { insecure_skip_verify: true } }],
      authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"echo");'] } },
    } as Partial<RunConfigFile>),
  );
  t.teardown(() => proxy.close(0));
  const sent = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"say","arguments":{"n":1.50}}}';
  const r = await postJson(proxy.endpoint, sent);
  t.equal(r.status, 200, r.body);
  const forwarded = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"n":1.50}}}';
  t.equal(upstream.requests.at(-1)!.body.toString(), forwarded, 'the upstream gets the client bytes with the real name');
  const payload = JSON.parse(webhook.calls.at(-1)!.raw.toString()) as { mcp_request: unknown };
  t.strictSame(payload.mcp_request, JSON.parse(forwarded), 'the webhook judged the real name');
  t.ok(webhook.calls.at(-1)!.raw.toString().includes('"arguments":{"n":1.50}'), 'embedded byte for byte');
  const calls = webhook.calls.length;
  const requests = upstream.requests.length;
  const hidden = await postJson(proxy.endpoint, '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"rm"}}');
  t.equal(hidden.status, 200);
  t.equal(hidden.body, '{"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"tool not found"}}');
  t.equal(webhook.calls.length, calls, 'no webhook call');
  t.equal(upstream.requests.length, requests, 'not forwarded');
});

t.test('§10 the stdio bridge in legacy SSE mode: the list answer on the stream is renamed and filtered', async (t) => {
  const entry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
  const file: RunConfigFile = {
    name: 'stdio-sse',
    transport: 'stdio',
    proxy_mode: 'sse',
    command: process.execPath,
    cmd_args: [entry, 'stdio'],
    port: 0,
    tools_filter: ['say', 'get-sum'],
    tools_override: { echo: { name: 'say' } },
    authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"echo");'] } },
  };
  const proxy = await startInProcess(file);
  t.teardown(() => proxy.close(1000));
  const client = new Client({ name: 'stdio-sse', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(proxy.endpoint)));
  t.teardown(() => client.close());
  // get-sum passes the filter but Cedar permits only echo (listed as "say").
  t.strictSame((await client.listTools()).tools.map((x) => x.name), ['say']);
  const r = await client.callTool({ name: 'say', arguments: { message: 'over stdio' } });
  t.match(JSON.stringify(r), /over stdio/);
});
