// SPEC §10 tools_filter / tools_override through the official SDK client and server-everything,
// over HTTP and over the stdio bridge: the list shows only the filtered tools, renamed; a call to
// a hidden tool is answered "tool not found" (-32602) without reaching the server; a call to the
// new name reaches the real tool; rate-limit tool buckets and Cedar see the real name.
import t, { type Test } from 'tap';
import { createRequire } from 'node:module';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { startEverything } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import type { RunConfigFile } from '../../src/config/types.js';

const require = createRequire(import.meta.url);

const TOOLS: Partial<RunConfigFile> = {
  tools_filter: ['say', 'get-sum'],
  tools_override: { echo: { name: 'say', description: 'Says it back' } },
  // Cedar and the rate limiter name the real tool: the client never sees "echo".
  authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: ['permit(principal, action == Action::"call_tool", resource) when { [Tool::"echo", Tool::"get-sum"].contains(resource) };'] } },
  rate_limit_config: { tools: [{ name: 'echo', shared: { maxTokens: 2, refillPeriod: '1h' } }] },
};

async function connect(t: Test, file: RunConfigFile): Promise<Client> {
  const proxy = await startInProcess(file, { store: 'memory' });
  t.teardown(() => proxy.close(1000));
  const client = new Client({ name: 'tools-filter-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.endpoint)));
  t.teardown(() => client.close());
  return client;
}

function text(r: unknown): string {
  return ((r as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('');
}

async function checks(t: Test, client: Client): Promise<void> {
  const { tools } = await client.listTools();
  t.strictSame(tools.map((x) => x.name).sort(), ['get-sum', 'say'], 'filtered and renamed');
  t.equal(tools.find((x) => x.name === 'say')?.description, 'Says it back');
  t.ok(tools.find((x) => x.name === 'say')?.inputSchema, 'the rest of the tool is kept');

  t.match(text(await client.callTool({ name: 'say', arguments: { message: 'hello' } })), /hello/, 'the new name reaches echo');
  for (const name of ['get-env', 'echo']) {
    const err = await client.callTool({ name, arguments: {} }).catch((e: unknown) => e);
    t.ok(err instanceof McpError, `${name}: a JSON-RPC error, as for an unknown tool`);
    t.match(err, { code: -32602, message: /tool not found/ }, name);
  }
  t.match(text(await client.callTool({ name: 'say', arguments: { message: 'again' } })), /again/);
  // The bucket is echo's: two tokens, both spent through "say".
  await t.rejects(client.callTool({ name: 'say', arguments: { message: 'third' } }), /429|tool:echo|Rate limit/);
}

t.test('§10 tools_filter and tools_override over streamable HTTP', async (t) => {
  const upstream = await startEverything('streamableHttp');
  t.teardown(() => upstream.close());
  await checks(t, await connect(t, httpConfig(upstream.port, TOOLS)));
});

t.test('§10 tools_filter and tools_override through the stdio bridge', async (t) => {
  const entry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
  const file: RunConfigFile = { name: 'stdio-test', transport: 'stdio', command: process.execPath, cmd_args: [entry, 'stdio'], port: 0, ...TOOLS };
  await checks(t, await connect(t, file));
});
