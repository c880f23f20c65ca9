// SPEC §6 (stdio): several SDK clients share one server-everything child through the proxy.
import t from 'tap';
import { connectClient, everythingPids, startStdioProxy, textOf } from '../helpers/stdioHarness.js';

t.test('§6 stdio: two clients concurrently, interleaved calls, each gets its own answers', async (t) => {
  const proxy = await startStdioProxy(t);
  const a = await connectClient(t, proxy, 'client-a');
  const b = await connectClient(t, proxy, 'client-b');
  t.equal(everythingPids().length, 1, 'one child serves both clients');

  t.equal(a.getServerVersion()?.name, 'mcp-servers/everything', 'first client initialized the child');
  t.equal(b.getServerVersion()?.name, 'mcp-servers/everything', 'second client answered from the cached initialize');

  // Both SDK clients number their requests from 0: the same ids in flight at once.
  const calls: Array<Promise<[string, string]>> = [];
  for (let i = 0; i < 10; i++) {
    calls.push(a.callTool({ name: 'echo', arguments: { message: `a-${i}` } }).then((r) => [`a-${i}`, textOf(r)]));
    calls.push(b.callTool({ name: 'echo', arguments: { message: `b-${i}` } }).then((r) => [`b-${i}`, textOf(r)]));
  }
  for (const [sent, got] of await Promise.all(calls)) t.equal(got, `Echo: ${sent}`, `${sent} answered to its sender`);

  const [sa, sb] = await Promise.all([
    a.callTool({ name: 'get-sum', arguments: { a: 1, b: 2 } }),
    b.callTool({ name: 'get-sum', arguments: { a: 40, b: 2 } }),
  ]);
  t.match(textOf(sa), /3/);
  t.match(textOf(sb), /42/);
  const tools = await b.listTools();
  t.ok(tools.tools.some((tool) => tool.name === 'echo'), 'list requests work for the second client');
});

t.test('§6 stdio: requests without or with an unknown session are refused, DELETE ends a session', async (t) => {
  const proxy = await startStdioProxy(t);
  const post = (headers: Record<string, string>, body: unknown) =>
    fetch(proxy.endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(body) });

  const noSession = await post({}, { jsonrpc: '2.0', id: 7, method: 'tools/list' });
  t.equal(noSession.status, 400);
  t.same(await noSession.json(), { jsonrpc: '2.0', id: 7, error: { code: -32600, message: 'Invalid Request' } });

  const unknown = await post({ 'mcp-session-id': 'nope' }, { jsonrpc: '2.0', id: 8, method: 'tools/list' });
  t.equal(unknown.status, 404);
  t.equal(((await unknown.json()) as { id: unknown }).id, 8);

  const init = await post({}, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  t.equal(init.status, 200);
  const sid = init.headers.get('mcp-session-id');
  t.ok(sid, 'initialize answer carries Mcp-Session-Id');
  const initBody = (await init.json()) as { id: unknown; result: { serverInfo: { name: string } } };
  t.equal(initBody.id, 1);
  t.equal(initBody.result.serverInfo.name, 'mcp-servers/everything');

  const note = await post({ 'mcp-session-id': sid! }, { jsonrpc: '2.0', method: 'notifications/initialized' });
  t.equal(note.status, 202, 'notifications are accepted with 202');

  const list = await post({ 'mcp-session-id': sid! }, { jsonrpc: '2.0', id: 'x', method: 'tools/list' });
  t.equal(list.status, 200);
  t.equal(list.headers.get('content-type'), 'application/json');
  const listBody = (await list.json()) as { id: unknown; result: { tools: unknown } };
  t.equal(listBody.id, 'x', 'the client id is restored');
  t.ok(Array.isArray(listBody.result.tools));

  const del = await fetch(proxy.endpoint, { method: 'DELETE', headers: { 'mcp-session-id': sid! } });
  t.equal(del.status, 204);
  const after = await post({ 'mcp-session-id': sid! }, { jsonrpc: '2.0', id: 9, method: 'tools/list' });
  t.equal(after.status, 404, 'a deleted session is gone');

  const other = await fetch(new URL('/elsewhere', proxy.url), { method: 'GET' });
  t.equal(other.status, 404);
});

t.test('§2 stdio env_vars reach the child; the proxy\'s own environment does not', async (t) => {
  process.env.THV_SESSION_REDIS_PASSWORD = 'do-not-leak';
  t.teardown(() => {
    delete process.env.THV_SESSION_REDIS_PASSWORD;
  });
  const proxy = await startStdioProxy(t, { env: { STDIO_TEST_VAR: 'from-config' } });
  const client = await connectClient(t, proxy, 'env-client');
  const env = JSON.parse(textOf(await client.callTool({ name: 'get-env', arguments: {} }))) as Record<string, string>;
  t.equal(env.STDIO_TEST_VAR, 'from-config');
  t.equal(env.PATH, process.env.PATH, 'PATH is inherited');
  t.notOk('THV_SESSION_REDIS_PASSWORD' in env, 'the Redis password is not inherited');
});
