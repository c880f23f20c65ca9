// Every row of SPEC §7 through a real proxy over raw HTTP: status, Content-Type and the exact
// JSON-RPC body (id when one was parsed, omitted otherwise).

import t from 'tap';
import { freePort } from '../helpers/ports.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson, send } from '../helpers/http.js';

const CALL = '{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"search","arguments":{}}}';

t.test('§7 errors the proxy produces, in front of a live upstream', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(
    httpConfig(upstream.port, {
      max_body_bytes: 1024,
      rate_limit_config: { tools: [{ name: 'limited', shared: { maxTokens: 1, refillPeriod: '1m0s' } }] },
    }),
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(1000));

  t.test('§7 body over the limit: 413 -32600, no id', async (t) => {
    const res = await postJson(proxy.url, `{"jsonrpc":"2.0","id":1,"method":"x","params":{"pad":"${'a'.repeat(2000)}"}}`);
    t.equal(res.status, 413);
    t.match(res.headers['content-type'], /^application\/json/);
    t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Request body too large"}}');
  });

  t.test('§7 Host not allowed: 403 -32600', async (t) => {
    const res = await send(proxy.url, { body: CALL, headers: { host: 'evil.example:80', 'content-type': 'application/json' } });
    t.equal(res.status, 403);
    t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Host or Origin not allowed"}}');
  });

  t.test('§7 Origin not allowed: 403 -32600', async (t) => {
    const res = await postJson(proxy.url, CALL, { origin: 'http://evil.example' });
    t.equal(res.status, 403);
    t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Host or Origin not allowed"}}');
  });

  t.test('§7 not application/json: 415 -32600', async (t) => {
    const res = await send(proxy.url, { body: CALL, headers: { 'content-type': 'text/plain' } });
    t.equal(res.status, 415);
    t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Unsupported media type: expected application/json without content encoding"}}');
  });

  t.test('§7 encoded body: 415 -32600', async (t) => {
    const res = await postJson(proxy.url, CALL, { 'content-encoding': 'gzip' });
    t.equal(res.status, 415);
  });

  t.test('§7 invalid JSON: 400 -32700', async (t) => {
    const res = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,');
    t.equal(res.status, 400);
    t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32700,"message":"Parse error"}}');
  });

  t.test('§7 batch: 400 -32600', async (t) => {
    const res = await postJson(proxy.url, `[${CALL}]`);
    t.equal(res.status, 400);
    t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request: JSON-RPC batching is not supported"}}');
  });

  t.test('§7 rate limited: 429 -32029 with the id and Retry-After', async (t) => {
    const body = '{"jsonrpc":"2.0","id":"r-1","method":"tools/call","params":{"name":"limited"}}';
    t.equal((await postJson(proxy.url, body)).status, 200, 'first call uses the only token');
    const res = await postJson(proxy.url, body);
    t.equal(res.status, 429);
    t.ok(Number(res.headers['retry-after']) >= 1);
    t.match(res.body, /^\{"jsonrpc":"2.0","id":"r-1","error":\{"code":-32029,"message":"Rate limit exceeded","data":\{"retryAfterSeconds":\d+,"scope":"tool:limited"\}\}\}$/);
  });

  t.test('§8 the rejecting stage and its reason are in the request log', async (t) => {
    const lines = proxy.requestLogs();
    const host = lines.find((l) => l.status === 403);
    t.equal(host?.rejectedBy, 'host-guard');
    t.match(host?.reason, /evil\.example/);
    const limited = lines.find((l) => l.status === 429);
    t.equal(limited?.rejectedBy, 'rate-limit');
    t.equal(limited?.tool, 'limited');
    t.equal(limited?.mcpMethod, 'tools/call');
  });
});

t.test('§7 upstream unreachable: 502 -32603 with the id, within a second', async (t) => {
  const deadPort = await freePort();
  const proxy = await startInProcess(httpConfig(deadPort));
  t.teardown(() => proxy.close(1000));
  const start = Date.now();
  const res = await postJson(proxy.url, CALL);
  t.ok(Date.now() - start < 1000, `answered in ${Date.now() - start} ms`);
  t.equal(res.status, 502);
  t.match(res.headers['content-type'], /^application\/json/);
  t.equal(res.body, '{"jsonrpc":"2.0","id":42,"error":{"code":-32603,"message":"Upstream MCP server unreachable"}}');
  const line = proxy.requestLogs().find((l) => l.status === 502);
  t.equal(line?.rejectedBy, 'proxy');
  t.match(line?.reason, /ECONNREFUSED/);
  t.ok(proxy.logs.some((l) => l.level === 40 && /requests get 502/.test(String(l.msg))), 'startup warned that the upstream is down');
});

t.test('§7 upstream silent past the header timeout: 504 -32603 with the id', async (t) => {
  const upstream = await startRawUpstream(() => {
    /* never answers */
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port), { headersTimeoutMs: 300 });
  t.teardown(() => proxy.close(1000));
  const res = await postJson(proxy.url, CALL);
  t.equal(res.status, 504);
  t.equal(res.body, '{"jsonrpc":"2.0","id":42,"error":{"code":-32603,"message":"Upstream MCP server did not answer in time"}}');
});

t.test('§7 notification to a dead upstream: 502 without an id member', async (t) => {
  const proxy = await startInProcess(httpConfig(await freePort()));
  t.teardown(() => proxy.close(1000));
  const res = await postJson(proxy.url, '{"jsonrpc":"2.0","method":"notifications/initialized"}');
  t.equal(res.status, 502);
  t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32603,"message":"Upstream MCP server unreachable"}}');
});
