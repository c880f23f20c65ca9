// Regression (SPEC §2 remote_url, §6): remote_url's path was put in front of the client's path,
// so `remote_url: https://mcp.asana.com/v2/mcp` sent a client's POST /mcp to /v2/mcp/mcp — the
// most common hosted URL shape never worked. ToolHive's transparent proxy
// (pkg/transport/proxy/transparent, remoteBasePath and remote_path_test.go) REPLACES the request
// path with remote_url's path when it has one, and forwards the client's path when it has none;
// remote_url's query still goes first. For the legacy SSE transport the stream (GET) goes to
// remote_url's path and the messages go where the server's `endpoint` event pointed: a server
// at /v1/sse that announces /v1/messages must work end to end.
import http from 'node:http';
import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { startInProcess } from '../helpers/proxy.js';
import { send } from '../helpers/http.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

t.test('§6 streamable-http: remote_url’s path replaces the client’s path (ToolHive’s remoteBasePath)', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const at = (path: string) => `http://127.0.0.1:${upstream.port}${path}`;
  const cases: Array<[remote: string, client: string, expected: string]> = [
    [at('/v2/mcp'), '/mcp', '/v2/mcp'], // Asana: the client's default /mcp
    [at('/v2/mcp'), '/v2/mcp', '/v2/mcp'], // a client that sends the full path
    [at('/v1/mcp?toolsets=core,alerting'), '/mcp?x=1', '/v1/mcp?toolsets=core,alerting&x=1'], // query merge kept
    [at('/api'), '/mcp', '/api'],
    [at('/mcp/'), '/mcp', '/mcp/'], // as written: a server may insist on its trailing slash
    [at(''), '/mcp', '/mcp'], // no path: the client's path
    [at(''), '/other?y=2', '/other?y=2'],
    [at('?api_key=k'), '/mcp', '/mcp?api_key=k'],
    [at('/'), '/mcp', '/'], // Go's url.Parse: Path "/" is a path, so ToolHive sends "/"
    [at('/?api_key=k'), '/mcp?x=1', '/?api_key=k&x=1'],
  ];
  for (const [remote, client, expected] of cases) {
    const proxy = await startInProcess({ name: 'remote', transport: 'streamable-http', remote_url: remote, port: 0 });
    const res = await send(proxy.url, { path: client, headers: { 'content-type': 'application/json' }, body: CALL });
    t.equal(res.status, 200, `${remote} ${client}: ${res.body}`);
    t.equal(upstream.requests.at(-1)!.url, expected, `remote_url ${remote}, client ${client} -> ${expected}`);
    await proxy.close(1000);
  }

  const proxy = await startInProcess({ name: 'remote', transport: 'streamable-http', remote_url: at('/v2/mcp'), port: 0 });
  t.teardown(() => proxy.close(1000));
  await send(proxy.url, { method: 'GET', path: '/mcp', headers: { accept: 'text/event-stream' } });
  t.equal(upstream.requests.at(-1)!.url, '/v2/mcp', 'GET (standalone stream) too');
  await send(proxy.url, { method: 'DELETE', path: '/mcp', headers: { 'mcp-session-id': 's1' } });
  t.equal(upstream.requests.at(-1)!.url, '/v2/mcp', 'DELETE (session end) too');
});

t.test('§6 legacy SSE: a server at /v1/sse announcing /v1/messages works end to end through the proxy', async (t) => {
  const transports = new Map<string, SSEServerTransport>();
  const upstream = await startRawUpstream(async (req, res, body) => {
    const url = new URL(req.url!, 'http://upstream');
    if (req.method === 'GET' && url.pathname === '/v1/sse') {
      const transport = new SSEServerTransport('/v1/messages', res);
      transports.set(transport.sessionId, transport);
      const server = new McpServer({ name: 'prefixed-sse', version: '1.0.0' });
      server.registerTool('echo', { description: 'echo' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
      await server.connect(transport);
      return;
    }
    const transport = transports.get(url.searchParams.get('sessionId') ?? '');
    if (req.method === 'POST' && url.pathname === '/v1/messages' && transport) {
      await transport.handlePostMessage(req, res, JSON.parse(body.toString()));
      return;
    }
    res.writeHead(404).end(`no ${req.method} ${req.url}`);
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess({ name: 'remote', transport: 'sse', remote_url: `http://127.0.0.1:${upstream.port}/v1/sse?api_key=k`, port: 0 });
  t.teardown(() => proxy.close(1000));

  const client = new Client({ name: 'thv-proxy-test', version: '1.0.0' });
  await client.connect(new SSEClientTransport(new URL(proxy.endpoint)));
  t.teardown(() => client.close());
  const { tools } = await client.listTools();
  t.strictSame(tools.map((x) => x.name), ['echo']);
  const called = await client.callTool({ name: 'echo', arguments: {} });
  t.strictSame(called.content, [{ type: 'text', text: 'pong' }]);

  const urls = upstream.requests.map((r) => `${r.method} ${r.url}`);
  t.equal(urls[0], 'GET /v1/sse?api_key=k', 'the stream went to remote_url');
  t.ok(urls.slice(1).every((u) => /^POST \/v1\/messages\?api_key=k&sessionId=[\w-]+$/.test(u)), urls.join('\n'));
});

t.test('§6 legacy SSE: relative and absolute endpoint events become paths on the proxy', async (t) => {
  let announce = '';
  const upstream = await startRawUpstream((req, res, body) => {
    if (req.method !== 'GET') return jsonResult(res, body);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`event: endpoint\ndata: ${announce}\n\n`);
  });
  t.teardown(() => upstream.close());
  const origin = `http://127.0.0.1:${upstream.port}`;
  const proxy = await startInProcess({ name: 'remote', transport: 'sse', remote_url: `${origin}/v1/sse`, port: 0 });
  t.teardown(() => proxy.close(1000));
  const events: Array<[sent: string, shown: string]> = [
    ['/v1/messages?sessionId=s1', '/v1/messages?sessionId=s1'],
    ['messages?sessionId=s1', '/v1/messages?sessionId=s1'], // relative to the stream's URL upstream
    [`${origin}/v1/messages?sessionId=s1`, '/v1/messages?sessionId=s1'],
    ['https://elsewhere.example/messages?sessionId=s1', 'https://elsewhere.example/messages?sessionId=s1'],
  ];
  for (const [sent, shown] of events) {
    announce = sent;
    const stream = await send(proxy.url, { method: 'GET', path: '/sse', headers: { accept: 'text/event-stream' } });
    t.equal(stream.body, `event: endpoint\ndata: ${shown}\n\n`, `${sent} -> ${shown}`);
    t.equal(upstream.requests.at(-1)!.url, '/v1/sse');
  }
  const direct = await send(proxy.url, { path: '/v1/messages?sessionId=s1', headers: { 'content-type': 'application/json' }, body: CALL });
  t.equal(direct.status, 200);
  t.equal(upstream.requests.at(-1)!.url, '/v1/messages?sessionId=s1', 'a message POST goes where the endpoint event pointed');
});

// Keep node's default agent from holding the SSE client's sockets past the test.
t.teardown(() => http.globalAgent.destroy());
