// Regression (SPEC §2 remote_url, §6, §8): the proxy forwarded to remote_url's origin and path
// only, so `https://mcp.example.com/mcp?api_key=...` (how many hosted MCP servers take
// their key) reached the server without its key, and `https://user:pw@host/mcp` lost its
// credentials — both silently. Now, as ToolHive's transparent proxy does (remoteRawQuery,
// pkg/transport/proxy/transparent), remote_url's query goes on every forwarded request, before
// the client's own query (joined with `&`, first value wins on most servers). Userinfo is a
// `validate` error at /remote_url: ToolHive drops it (its target is scheme + host), so no replica
// sends it, and a password in a config URL would be printed. Neither the key nor the password
// is ever printed: not in the validate summary, the serving line, or an error message.
import t from 'tap';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { startInProcess } from '../helpers/proxy.js';
import { postJson, send } from '../helpers/http.js';
import { scratchDir, thv } from '../helpers/dryrunCli.js';

const KEY = 'k3y-abc';
const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

t.test('§6 remote_url query is forwarded on every request, before the client query', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess({ name: 'remote', transport: 'streamable-http', remote_url: `http://127.0.0.1:${upstream.port}/base?api_key=${KEY}&toolsets=core,alerting`, port: 0 });
  t.teardown(() => proxy.close(1000));

  t.equal((await postJson(proxy.endpoint, CALL)).status, 200);
  t.equal(upstream.requests.at(-1)!.url, `/base?api_key=${KEY}&toolsets=core,alerting`, 'POST without a query: remote_url query added');
  await send(proxy.url, { method: 'GET', path: '/mcp?x=1&y=%20' });
  t.equal(upstream.requests.at(-1)!.url, `/base?api_key=${KEY}&toolsets=core,alerting&x=1&y=%20`, "the client's query follows");
  await send(proxy.url, { method: 'GET', path: '/mcp?' });
  t.equal(upstream.requests.at(-1)!.url, `/base?api_key=${KEY}&toolsets=core,alerting`, 'an empty client query adds nothing');

  const noBase = await startInProcess({ name: 'remote', transport: 'streamable-http', remote_url: `http://127.0.0.1:${upstream.port}?api_key=${KEY}`, port: 0 });
  t.teardown(() => noBase.close(1000));
  t.equal((await postJson(noBase.endpoint, CALL)).status, 200);
  t.equal(upstream.requests.at(-1)!.url, `/mcp?api_key=${KEY}`, 'without a path: the client’s');

  const logged = JSON.stringify([...proxy.logs, ...noBase.logs]);
  t.notOk(logged.includes(KEY), 'the query values are never logged');
});

t.test('§6 legacy SSE: an endpoint event echoing the remote query does not hand the key to clients', async (t) => {
  const upstream = await startRawUpstream((req, res) => {
    if (req.method !== 'GET') return jsonResult(res, Buffer.from(CALL));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`event: endpoint\ndata: /base/messages?api_key=${KEY}&sessionId=s1\n\n`);
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess({ name: 'remote', transport: 'sse', remote_url: `http://127.0.0.1:${upstream.port}/base/sse?api_key=${KEY}`, port: 0 });
  t.teardown(() => proxy.close(1000));
  const stream = await send(proxy.url, { method: 'GET', path: '/sse' });
  t.equal(stream.body, 'event: endpoint\ndata: /base/messages?sessionId=s1\n\n');
  t.equal(upstream.requests.at(-1)!.url, `/base/sse?api_key=${KEY}`);
  const posted = await send(proxy.url, { path: '/base/messages?sessionId=s1', headers: { 'content-type': 'application/json' }, body: CALL });
  t.equal(posted.status, 200, posted.body);
  t.equal(upstream.requests.at(-1)!.url, `/base/messages?api_key=${KEY}&sessionId=s1`, 'the proxy adds the key back, once');
});

t.test('§1 §2 validate: the summary names the query parameters, never their values', async (t) => {
  const scratch = scratchDir(t);
  const cfg = scratch.file('q.json', { name: 'remote', transport: 'streamable-http', remote_url: `https://mcp.example.com/mcp?api_key=${KEY}` });
  const r = await thv(['validate', cfg]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /streamable-http -> https:\/\/mcp\.example\.com\/mcp\?api_key=\S/);
  t.notOk(r.stdout.includes(KEY) || r.stderr.includes(KEY), r.stdout);
});

t.test('§2 validate: user:password@ in remote_url is an error at /remote_url that does not print the password', async (t) => {
  const scratch = scratchDir(t);
  const cases = [
    'https://alice:s3cret-pw@mcp.example.com/mcp',
    'https://s3cret-pw@mcp.example.com/mcp',
    'https://alice:s3cret-pw@mcp.example.com:99999/mcp', // also unparseable: the echo must not show it either
    'ftp://alice:s3cret-pw@mcp.example.com/mcp', // the schema's "http or https" message echoes the value
  ];
  for (const remote of cases) {
    const cfg = scratch.file('u.json', { name: 'remote', transport: 'streamable-http', remote_url: remote });
    for (const json of [false, true]) {
      const r = await thv(['validate', cfg, ...(json ? ['--json'] : [])]);
      t.equal(r.code, 1, `${remote}: invalid`);
      t.match(json ? r.stdout : r.stderr, /\/remote_url/, `${remote}: the error names /remote_url`);
      t.notOk(`${r.stdout}${r.stderr}`.includes('s3cret-pw'), `${remote}${json ? ' --json' : ''}: the password is not printed: ${r.stdout}${r.stderr}`);
    }
  }
  const plain = scratch.file('p.json', { name: 'remote', transport: 'streamable-http', remote_url: 'https://alice:s3cret-pw@mcp.example.com/mcp' });
  const r = await thv(['validate', plain]);
  t.match(r.stderr, /\/remote_url: .*(user|credential)/i, r.stderr);
});
