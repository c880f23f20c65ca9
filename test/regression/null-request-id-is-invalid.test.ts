// Regression (SPEC §3, §7): a request with `"id": null` was accepted and forwarded. SPEC §3 says
// an id is a string, a number, or absent (a notification), and MCP says a request id MUST NOT
// be null. It is now refused like every other invalid envelope, 400 / -32600, before any stage
// after the parser; the id was parsed (it is null), so the answer carries `"id":null`, which is
// also what JSON-RPC 2.0 asks of an Invalid Request answer. The parser is shared: HTTP
// upstreams, the stdio bridge and dry-run all refuse it. A client's error answer with a null id
// (JSON-RPC's "id could not be read") is not a request and still passes as a response.
import t from 'tap';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { scratchDir, thv } from '../helpers/dryrunCli.js';
import { EVERYTHING_ENTRY } from '../helpers/stdioHarness.js';

const NULL_ID_CALL = '{"jsonrpc":"2.0","id":null,"method":"tools/call","params":{"name":"echo","arguments":{}}}';
const REFUSED = '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"Invalid Request"}}';

t.test('§3 §7 HTTP upstream: "id": null in a request is a 400 -32600 echoing id null, never forwarded', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port), { store: 'memory' });
  t.teardown(() => proxy.close(0));

  for (const body of [NULL_ID_CALL, '{"jsonrpc":"2.0","id":null,"method":"ping"}']) {
    const r = await postJson(proxy.endpoint, body);
    t.equal(r.status, 400, body);
    t.equal(r.body, REFUSED, 'the JSON-RPC Invalid Request answer, with the null id');
  }
  t.equal(upstream.requests.length, 0, 'nothing reached the upstream');

  const answer = await postJson(proxy.endpoint, '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"could not read your id"}}');
  t.not(answer.status, 400, 'an error answer with id null is a response, forwarded as before');
  t.equal(upstream.requests.length, 1);
});

t.test('§3 stdio bridge: "id": null is refused the same way and the child never sees it', async (t) => {
  const proxy = await startInProcess(
    { name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], port: 0 },
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(1_000));
  const r = await postJson(proxy.url, '{"jsonrpc":"2.0","id":null,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}');
  t.equal(r.status, 400);
  t.equal(r.body, REFUSED);
});

t.test('§1 dry-run: "id": null is rejected (exit 4) with the answer a client would get', async (t) => {
  const scratch = scratchDir(t);
  const cfg = scratch.file('c.json', { name: 'dry', transport: 'streamable-http', target_host: '127.0.0.1', target_port: 9 });
  const r = await thv(['dry-run', '--config', cfg, '--request', NULL_ID_CALL, '--json']);
  t.equal(r.code, 4, r.stderr);
  const out = JSON.parse(r.stdout) as { verdict: string; response: { status: number; body: string } };
  t.equal(out.verdict, 'reject');
  t.equal(out.response.status, 400);
  t.equal(out.response.body, REFUSED);
});
