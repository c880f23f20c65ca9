// SPEC §6 headers and §3 byte-exact forwarding, checked at a real upstream that records what it
// received.

import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson, send } from '../helpers/http.js';

t.test('§6 request and response headers through the proxy', async (t) => {
  const upstream = await startRawUpstream((req, res, body) => {
    if (req.url?.startsWith('/sse-like')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('event: message\ndata: {}\n\n');
      return;
    }
    const text = '{"jsonrpc":"2.0","id":1,"result":{}}';
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(text.length),
      'mcp-session-id': 'session-from-upstream',
      'x-end-to-end': 'kept',
      'x-upstream-hop': 'dropped',
      connection: 'keep-alive, x-upstream-hop',
      'keep-alive': 'timeout=30',
    });
    res.end(text);
    void body;
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));
  const proxyHost = new URL(proxy.url).host;

  const res = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', {
    'mcp-session-id': 'abc-123',
    'mcp-protocol-version': '2025-06-18',
    'last-event-id': 'evt-7',
    authorization: 'Bearer secret-token-value',
    'x-user-header': 'mine',
    connection: 'keep-alive, x-client-hop',
    'x-client-hop': 'must not pass',
    'keep-alive': 'timeout=5',
    te: 'trailers',
    'proxy-authorization': 'Basic Zm9vOmJhcg==',
    'x-forwarded-for': '203.0.113.9',
  });
  t.equal(res.status, 200);
  const seen = upstream.requests.at(-1)!.headers;

  t.test('end-to-end request headers pass', async (t) => {
    t.equal(seen['mcp-session-id'], 'abc-123');
    t.equal(seen['mcp-protocol-version'], '2025-06-18');
    t.equal(seen['last-event-id'], 'evt-7');
    t.equal(seen.accept, 'application/json, text/event-stream');
    t.equal(seen.authorization, 'Bearer secret-token-value');
    t.equal(seen['content-type'], 'application/json');
    t.equal(seen['x-user-header'], 'mine');
  });

  t.test('hop-by-hop request headers stop at the proxy; Host is the upstream', async (t) => {
    t.equal(seen['x-client-hop'], undefined, 'named in Connection');
    t.equal(seen['keep-alive'], undefined);
    t.equal(seen.te, undefined);
    t.equal(seen['proxy-authorization'], undefined);
    t.not(seen.connection, 'keep-alive, x-client-hop');
    t.equal(seen.host, `127.0.0.1:${upstream.port}`);
  });

  t.test("X-Forwarded-For is the peer (the client's own is not trusted), -Proto and -Host added", async (t) => {
    t.equal(seen['x-forwarded-for'], '127.0.0.1');
    t.equal(seen['x-forwarded-proto'], 'http');
    t.equal(seen['x-forwarded-host'], proxyHost);
  });

  t.test('response: end-to-end headers pass, hop-by-hop do not', async (t) => {
    t.equal(res.headers['mcp-session-id'], 'session-from-upstream');
    t.equal(res.headers['x-end-to-end'], 'kept');
    t.equal(res.headers['x-upstream-hop'], undefined);
    t.not(res.headers['keep-alive'], 'timeout=30');
  });

  t.test('text/event-stream responses get X-Accel-Buffering: no and Cache-Control: no-cache', async (t) => {
    const sse = await send(proxy.url, { method: 'GET', path: '/sse-like' });
    t.equal(sse.headers['x-accel-buffering'], 'no');
    t.equal(sse.headers['cache-control'], 'no-cache');
    t.equal(sse.body, 'event: message\ndata: {}\n\n');
    const json = await postJson(proxy.url, '{"jsonrpc":"2.0","id":2,"method":"ping"}');
    t.equal(json.headers['x-accel-buffering'], undefined, 'only event streams');
  });

  t.test('§8 Authorization values never reach the logs', async (t) => {
    t.notMatch(JSON.stringify(proxy.logs), /secret-token-value/);
  });
});

t.test('§3 the upstream receives exactly the bytes that were sent, with Content-Length', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));
  const sent = Buffer.from('{ "jsonrpc" : "2.0",\n\t"id":7, "method":"tools/call","params":{"name":"x","arguments":{"s":"\\u00e9 é ✓","n":1.50}}   }\n', 'utf8');
  const res = await postJson(proxy.url, sent);
  t.equal(res.status, 200);
  const got = upstream.requests.at(-1)!;
  t.ok(got.body.equals(sent), 'same bytes');
  t.equal(got.headers['content-length'], String(sent.length));
  t.equal(got.headers['transfer-encoding'], undefined);
  t.equal(got.url, '/mcp');
});

t.test('§6 query forwarded; remote_url’s path replaces the client’s (ToolHive’s remoteBasePath)', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess({ name: 'remote', transport: 'streamable-http', remote_url: `http://127.0.0.1:${upstream.port}/base`, port: 0 });
  t.teardown(() => proxy.close(1000));
  await send(proxy.url, { method: 'GET', path: '/mcp?x=1&y=%20' });
  t.equal(upstream.requests.at(-1)!.url, '/base?x=1&y=%20');
  t.equal(upstream.requests.at(-1)!.method, 'GET');
  await send(proxy.url, { method: 'DELETE', path: '/mcp', headers: { 'mcp-session-id': 's1' } });
  t.equal(upstream.requests.at(-1)!.method, 'DELETE', 'DELETE forwarded');
  t.equal(upstream.requests.at(-1)!.headers['mcp-session-id'], 's1');
});
