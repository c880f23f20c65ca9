// Regression (review of the remote_url query merge): remote_url's query is put before the
// client's, "first value wins on most servers" — but not on all: PHP, Rails and many Express
// handlers read the last of a repeated name. With `remote_url: ...?toolsets=core`, a client's
// `?toolsets=all` then widened what the operator had restricted, and `?api_key=mine` could
// replace the operator's key. The client's query is not judged by any stage, so the proxy
// cannot let it override the operator's: a client parameter whose name (percent-decoded, as a
// server decodes it) is one of remote_url's is dropped; the client's other parameters pass.
import t from 'tap';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { startInProcess } from '../helpers/proxy.js';
import { send } from '../helpers/http.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

t.test('§6 a client query cannot repeat a parameter remote_url sets', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess({ name: 'remote', transport: 'streamable-http', remote_url: `http://127.0.0.1:${upstream.port}/mcp?toolsets=core&api_key=k`, port: 0 });
  t.teardown(() => proxy.close(1000));
  const post = (path: string) => send(proxy.url, { path, headers: { 'content-type': 'application/json' }, body: CALL });

  t.equal((await post('/mcp?toolsets=all&x=1')).status, 200);
  t.equal(upstream.requests.at(-1)!.url, '/mcp?toolsets=core&api_key=k&x=1', 'the repeated name is dropped, the rest kept');
  await post('/mcp?tool%73ets=all&api%5Fkey=mine&api_key&y=2&api_key=');
  t.equal(upstream.requests.at(-1)!.url, '/mcp?toolsets=core&api_key=k&y=2', 'encoded and valueless spellings too');
  await post('/mcp?tool+sets=a&Toolsets=b&toolsets2=c');
  t.equal(upstream.requests.at(-1)!.url, '/mcp?toolsets=core&api_key=k&tool+sets=a&Toolsets=b&toolsets2=c', 'other names pass as written');
});
