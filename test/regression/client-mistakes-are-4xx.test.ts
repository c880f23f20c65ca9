// Issue 17, defect 11 (HTTP mode): client mistakes were answered 500 with a stack trace in the
// log (`POST *`, a malformed `%`). They are the client's fault: 4xx, one request log line, no
// error-level line.

import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/http.js';
import { rawPost, rawRequest } from '../helpers/rawSocket.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

t.test('§7 malformed targets and deep bodies are 400s with one log line', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));
  const host = new URL(proxy.url).host;

  const cases: Array<[string, string]> = [
    ['POST *', rawPost('*', [`Host: ${host}`, 'Content-Type: application/json'], CALL)],
    ['malformed %', rawPost('/mcp?x=1&sessionId=%zz', [`Host: ${host}`, 'Content-Type: application/json'], CALL).replace('/mcp?', '/m%zzcp?')],
    ['nested 100 000 deep', rawPost('/mcp', [`Host: ${host}`, 'Content-Type: application/json'], `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`)],
  ];
  for (const [what, bytes] of cases) {
    const res = await rawRequest(proxy.url, bytes);
    t.equal(res.status, 400, what);
    t.match(res.text, /"jsonrpc":"2\.0"/, `${what}: a JSON-RPC error body`);
  }
  await waitFor(() => proxy.requestLogs().length >= cases.length, 2000, 'request log lines');
  t.equal(proxy.requestLogs().length, cases.length, 'one request line each');
  t.same(proxy.logs.filter((l) => (l.level ?? 0) >= 50), [], 'nothing logged as an error');
  t.equal(upstream.requests.length, 0);
});
