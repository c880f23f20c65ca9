// The official MCP client through the proxy to the reference server, in both HTTP transports
// (SPEC §6): every kind of exchange an MCP client makes must work as it does directly.

import t, { type Test } from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  LoggingMessageNotificationSchema,
  type CallToolResult,
} from '@modelcontextprotocol/sdk/types.js';
import { startEverything, type EverythingServer } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';

type Mode = 'streamableHttp' | 'sse';

function text(result: unknown): string {
  return ((result as CallToolResult).content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}

function newClient(): Client {
  const client = new Client({ name: 'thv-proxy-test', version: '1.0.0' }, { capabilities: { sampling: {}, elicitation: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async (req) => ({
    role: 'assistant',
    model: 'test-model',
    content: { type: 'text', text: `sampled reply to ${req.params.messages.length} message(s)` },
  }));
  client.setRequestHandler(ElicitRequestSchema, async () => ({ action: 'accept', content: { name: 'Ada Lovelace', check: true } }));
  return client;
}

async function setUp(t: Test, mode: Mode): Promise<{ upstream: EverythingServer; proxy: InProcessProxy; client: Client; transport: StreamableHTTPClientTransport | SSEClientTransport }> {
  const upstream = await startEverything(mode);
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port, { transport: mode === 'sse' ? 'sse' : 'streamable-http' }));
  t.teardown(() => proxy.close(1000));
  const client = newClient();
  const transport = mode === 'sse' ? new SSEClientTransport(new URL(proxy.endpoint)) : new StreamableHTTPClientTransport(new URL(proxy.endpoint));
  await client.connect(transport);
  t.teardown(() => client.close());
  return { upstream, proxy, client, transport };
}

for (const mode of ['streamableHttp', 'sse'] as const) {
  t.test(`§6 SDK client through the proxy to server-everything (${mode})`, async (t) => {
    const { proxy, client, transport } = await setUp(t, mode);

    t.test('initialize reached the real server', async (t) => {
      t.equal(client.getServerVersion()?.name, 'mcp-servers/everything');
      t.ok(client.getServerCapabilities()?.tools, 'server capabilities came through');
    });

    t.test('tools/list and tools/call echo', async (t) => {
      const { tools } = await client.listTools();
      const names = tools.map((x) => x.name);
      t.ok(names.includes('echo'));
      t.ok(names.includes('trigger-sampling-request'), 'conditional tools registered: our capabilities reached the server');
      const result = await client.callTool({ name: 'echo', arguments: { message: 'hello through the proxy' } });
      t.match(text(result), /hello through the proxy/);
    });

    t.test('progress notifications arrive while the tool runs, not with the result', async (t) => {
      const start = Date.now();
      const progressAt: number[] = [];
      const result = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 3, steps: 3 } }, undefined, {
        onprogress: () => progressAt.push(Date.now() - start),
        timeout: 30_000,
      });
      const resultAt = Date.now() - start;
      t.ok(progressAt.length >= 2, `${progressAt.length} progress notifications before the result`);
      t.match(text(result), /Long running operation completed/);
      // Steps are 1 s apart: the first must arrive about 2 s before the result. A buffering
      // proxy would deliver all of them together with the result.
      t.ok(resultAt - progressAt[0]! >= 1200, `first progress at ${progressAt[0]} ms, result at ${resultAt} ms`);
    });

    t.test('sampling: a server-to-client request and its answer cross the proxy', async (t) => {
      const result = await client.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'ping', maxTokens: 10 } });
      t.match(text(result), /sampled reply to 1 message/);
    });

    t.test('elicitation round trip', async (t) => {
      const result = await client.callTool({ name: 'trigger-elicitation-request', arguments: {} });
      t.match(text(result), /Ada Lovelace/);
    });

    t.test('resources/list and resources/read', async (t) => {
      const { resources } = await client.listResources();
      t.ok(resources.length > 0, 'the server lists resources');
      const first = resources[0]!;
      const read = await client.readResource({ uri: first.uri });
      t.equal(read.contents[0]?.uri, first.uri);
    });

    t.test('prompts/list and prompts/get', async (t) => {
      const { prompts } = await client.listPrompts();
      t.ok(prompts.some((p) => p.name === 'simple-prompt'));
      const got = await client.getPrompt({ name: 'args-prompt', arguments: { city: 'Lisbon' } });
      t.match(JSON.stringify(got.messages), /Lisbon/);
    });

    t.test('server notifications outside any request reach the client (standalone stream)', async (t) => {
      const received = new Promise<unknown>((resolve) => client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => resolve(n.params)));
      await client.setLoggingLevel('debug');
      await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
      const params = await Promise.race([received, new Promise((_r, reject) => setTimeout(() => reject(new Error('no log notification within 15 s')), 15_000))]);
      t.ok(params, 'a notifications/message arrived');
      await client.callTool({ name: 'toggle-simulated-logging', arguments: {} });
    });

    t.test('request log names the MCP method and tool (§8)', async (t) => {
      const call = proxy.requestLogs().find((l) => l.mcpMethod === 'tools/call' && l.tool === 'echo');
      t.ok(call, 'a request line for tools/call echo');
      t.equal(call?.status, mode === 'sse' ? 202 : 200);
      t.type(call?.durationMs, 'number');
    });

    if (mode === 'streamableHttp') {
      t.test('session DELETE ends the session upstream', async (t) => {
        const http = transport as StreamableHTTPClientTransport;
        const sessionId = http.sessionId;
        t.ok(sessionId, 'a session id came through the proxy');
        await http.terminateSession();
        const del = proxy.requestLogs().find((l) => l.method === 'DELETE');
        t.equal(del?.status, 200, 'DELETE forwarded and answered by the server');
        // The old session is gone upstream: a raw request with it is refused by the server.
        const res = await fetch(proxy.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': sessionId! },
          body: '{"jsonrpc":"2.0","id":9,"method":"tools/list"}',
        });
        t.equal(res.status, 400, 'the ended session is unknown to the server');
        await res.body?.cancel();
      });
    }
  });
}
