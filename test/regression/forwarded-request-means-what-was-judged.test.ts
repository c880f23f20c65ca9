// Issue 17, defects 1 and 9: every byte forwarded must mean to any conforming upstream exactly
// what the chain judged (SPEC §3, §6). Each case here was forwarded before the fix and read
// differently by some server stack: a charset the upstream honours (UTF-7 `tools+AC8-call`),
// duplicate or case-colliding JSON members (Go matches keys case-insensitively), request
// targets that a server normalising paths would read as another path, ambiguous framing, a client's own X-Forwarded-For.
// The differential test against three real server stacks is parse-differential.test.ts.

import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson, send } from '../helpers/http.js';
import { rawPost, rawRequest } from '../helpers/rawSocket.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{}}}';

t.test('§3 only UTF-8 is judged, and the upstream is told so canonically', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));

  const refused = [
    'application/json; charset=utf-7',
    'application/json; charset=UTF-16LE',
    'application/json; charset=iso-8859-1',
    'application/json; charset="utf-7"',
    'application/json; charset=utf-8; charset=utf-7',
    'application/json; charset=',
  ];
  const utf7 = '{"jsonrpc":"2.0","id":1,"method":"tools+AC8-call","params":{"name":"echo"}}';
  for (const ct of refused) {
    const res = await postJson(proxy.url, utf7, { 'content-type': ct });
    t.equal(res.status, 415, `${ct} is refused`);
    t.equal(JSON.parse(res.body).error.code, -32600);
  }
  t.equal(upstream.requests.length, 0, 'nothing judged as UTF-8 reached the upstream under another charset');

  for (const ct of ['application/json; charset=utf-8', 'Application/JSON; Charset="UTF-8"', 'application/json;charset=utf8', 'application/json; foo=bar']) {
    const res = await postJson(proxy.url, CALL, { 'content-type': ct, 'content-encoding': 'identity' });
    t.equal(res.status, 200, `${ct} is accepted`);
    const seen = upstream.requests.at(-1)!;
    t.equal(seen.headers['content-type'], 'application/json', 'forwarded as plain application/json');
    t.equal(seen.headers['content-encoding'], undefined, 'no Content-Encoding forwarded');
  }

  // Connection may name end-to-end headers; naming Content-Type must not strip the judged one.
  const res = await postJson(proxy.url, CALL, { connection: 'keep-alive, Content-Type' });
  t.equal(res.status, 200);
  t.equal(upstream.requests.at(-1)!.headers['content-type'], 'application/json');
});

t.test('§3 duplicate and case-colliding members are refused before any stage judges them', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));

  const bodies = {
    'duplicate method': '{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call","params":{"name":"echo"}}',
    'escaped duplicate': '{"jsonrpc":"2.0","id":1,"method":"tools/list","\\u006dethod":"tools/call"}',
    'Method beside method (Go reads tools/call)': '{"jsonrpc":"2.0","id":1,"method":"tools/list","Method":"tools/call","params":{"name":"echo"}}',
    'METHOD on a response': '{"jsonrpc":"2.0","id":1,"result":{},"METHOD":"tools/call","params":{"name":"echo"}}',
    'Name instead of name in tools/call': '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"Name":"echo"}}',
    'name twice in params': '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"cheap","name":"echo"}}',
    'duplicate deep in arguments': '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"a":{"b":1,"b":2}}}}',
    'nested 200 deep': `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"x":${'['.repeat(200)}${']'.repeat(200)}}}}`,
  };
  for (const [what, body] of Object.entries(bodies)) {
    const res = await postJson(proxy.url, body);
    t.equal(res.status, 400, what);
    t.equal(JSON.parse(res.body).error.code, -32600, what);
  }
  t.equal(upstream.requests.length, 0);

  const fine = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"Name":"x","name":"y","a":[{"k":1},{"k":2}]}}}';
  t.equal((await postJson(proxy.url, fine)).status, 200, 'case differences inside arguments are user data; same names in sibling objects are fine');
});

t.test('§6 the request target is a plain path: no dot segments, encoded separators or other forms', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess({ name: 'test-server', transport: 'streamable-http', remote_url: `http://127.0.0.1:${upstream.port}/base`, port: 0 });
  t.teardown(() => proxy.close(1000));
  const host = new URL(proxy.url).host;

  for (const target of ['/../admin', '/mcp/../../admin', '/%2e%2e/admin', '/%2E./admin', '/mcp/..%2fadmin', '/a%2Fb', '/a%5cb', '/a\\..\\b', '/mcp%00', '/%zz', 'http://evil.example/mcp', '*', 'mcp']) {
    const res = await rawRequest(proxy.url, rawPost(target, [`Host: ${host}`, 'Content-Type: application/json'], CALL));
    t.equal(res.status, 400, `${JSON.stringify(target)} is refused`);
  }
  t.equal(upstream.requests.length, 0, 'none reached the upstream');

  const ok = await postJson(proxy.url, CALL);
  t.equal(ok.status, 200);
  t.equal(upstream.requests.at(-1)!.url, '/base', 'an ordinary request goes to remote_url’s path');
  const dots = await send(proxy.url, { method: 'POST', path: '/mcp/v1.0/x..y?q=/../a', headers: { 'content-type': 'application/json' }, body: CALL });
  t.equal(dots.status, 200, 'dots inside a segment and in the query are not dot segments');
});

t.test('§6 ambiguous framing is refused; a client’s own X-Forwarded-For is not passed on', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));
  const host = new URL(proxy.url).host;

  const twoHosts = await rawRequest(proxy.url, rawPost('/mcp', [`Host: ${host}`, 'Host: evil.example', 'Content-Type: application/json'], CALL));
  t.equal(twoHosts.status, 400, 'two Host headers');

  const chunk = `${Buffer.byteLength(CALL).toString(16)}\r\n${CALL}\r\n0\r\n\r\n`;
  const gzipChunked = await rawRequest(
    proxy.url,
    [`POST /mcp HTTP/1.1`, `Host: ${host}`, 'Content-Type: application/json', 'Transfer-Encoding: gzip, chunked', '', chunk].join('\r\n'),
  );
  t.equal(gzipChunked.status, 415, 'Transfer-Encoding: gzip, chunked');
  t.equal(upstream.requests.length, 0);

  await postJson(proxy.url, CALL, { 'x-forwarded-for': '203.0.113.9', forwarded: 'for=203.0.113.9' });
  const seen = upstream.requests.at(-1)!;
  t.equal(seen.headers['x-forwarded-for'], '127.0.0.1', 'the peer, not the client’s claim');
  t.equal(seen.headers.forwarded, undefined);

  const trusting = await startInProcess(httpConfig(upstream.port, { trust_proxy_headers: true }));
  t.teardown(() => trusting.close(1000));
  await postJson(trusting.url, CALL, { 'x-forwarded-for': '203.0.113.9' });
  t.equal(upstream.requests.at(-1)!.headers['x-forwarded-for'], '203.0.113.9, 127.0.0.1', 'with trust_proxy_headers the chain is kept and extended');
});
