// Audit, defect 2 (SPEC §7 "Always JSON ... a JSON-RPC 2.0 error object"): answers node's HTTP
// server wrote by itself had an empty, non-JSON body — the headers-timeout 408, an HTTP/1.1
// request without Host (400), Transfer-Encoding with Content-Length (400), other parser errors,
// an oversized head (431) and an unknown Expect (417). Each keeps node's status and now carries
// the JSON-RPC error (-32600, no id), Content-Type application/json and Connection: close.

import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { rawRequest, type RawExchange } from '../helpers/rawSocket.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

function head(res: RawExchange): string {
  return res.text.slice(0, res.text.indexOf('\r\n\r\n') + 2).toLowerCase();
}

function body(res: RawExchange): unknown {
  return JSON.parse(res.text.slice(res.text.indexOf('\r\n\r\n') + 4)) as unknown;
}

t.test('§7 errors node detects are JSON-RPC errors with node\'s status', async (t) => {
  const upstream = await startRawUpstream((_req, res, b) => jsonResult(res, b));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port), { requestHeadersTimeoutMs: 500 });
  t.teardown(() => proxy.close(1000));
  const host = new URL(proxy.url).host;
  const len = `Content-Length: ${CALL.length}`;

  const cases: Array<[string, string, number]> = [
    ['HTTP/1.1 without Host', `POST /mcp HTTP/1.1\r\nContent-Type: application/json\r\n${len}\r\n\r\n${CALL}`, 400],
    ['Transfer-Encoding with Content-Length', `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n${len}\r\n\r\n${CALL.length.toString(16)}\r\n${CALL}\r\n0\r\n\r\n`, 400],
    ['garbage request line', 'HELLO THERE\r\n\r\n', 400],
    ['invalid header name', `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nBad Header: x\r\n${len}\r\n\r\n${CALL}`, 400],
    ['head over 16 KiB', `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nX-Big: ${'a'.repeat(20_000)}\r\n${len}\r\n\r\n${CALL}`, 431],
    ['head not finished in time', `POST /mcp HTTP/1.1\r\nHost: ${host}\r\n`, 408],
    ['unknown Expect', `POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nExpect: something-else\r\n${len}\r\n\r\n${CALL}`, 417],
  ];
  for (const [what, bytes, status] of cases) {
    const res = await rawRequest(proxy.url, bytes, 5000);
    t.equal(res.status, status, `${what}: HTTP ${status}`);
    t.match(head(res), /\r\ncontent-type: application\/json\r\n/, `${what}: JSON content type`);
    t.match(head(res), /\r\nconnection: close\r\n/, `${what}: Connection: close`);
    let parsed: unknown;
    t.doesNotThrow(() => (parsed = body(res)), `${what}: the body is JSON`);
    t.match(parsed, { jsonrpc: '2.0', error: { code: -32600, message: String } }, `${what}: a JSON-RPC error`);
    t.notOk(parsed !== null && typeof parsed === 'object' && 'id' in parsed, `${what}: no id`);
  }
  t.equal(upstream.requests.length, 0, 'none reached the upstream');
});

t.test('§7 an HTTP/1.0 request without Host is not refused by HTTP/1.1\'s Host rule', async (t) => {
  const upstream = await startRawUpstream((_req, res, b) => jsonResult(res, b));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));
  const res = await rawRequest(proxy.url, `POST /mcp HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${CALL.length}\r\n\r\n${CALL}`);
  // On a loopback listener the DNS-rebinding guard judges it, as before: no Host is no allowed host.
  t.equal(res.status, 403, res.text);
  t.match(res.text, /"message":"Host or Origin not allowed"/);
});
