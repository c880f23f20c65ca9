// SPEC §6 (stdio, proxy_mode sse): the child exposed through the legacy HTTP+SSE transport.
import t from 'tap';
import { connectClient, startStdioProxy, textOf } from '../helpers/stdioHarness.js';

t.test('§6 stdio proxy_mode sse: the endpoint event points at the proxy; two SDK SSE clients get their own answers', async (t) => {
  const proxy = await startStdioProxy(t, { proxyMode: 'sse' });
  t.match(proxy.endpoint, /\/sse$/);

  // The raw stream first: its first event is the endpoint, a path on the proxy.
  const ac = new AbortController();
  const raw = await fetch(proxy.endpoint, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  t.equal(raw.status, 200);
  t.equal(raw.headers.get('content-type'), 'text/event-stream');
  t.equal(raw.headers.get('x-accel-buffering'), 'no');
  t.equal(raw.headers.get('cache-control'), 'no-cache');
  const reader = raw.body!.getReader();
  const first = new TextDecoder().decode((await reader.read()).value);
  t.match(first, /^event: endpoint\ndata: \/messages\?sessionId=[0-9a-f-]{36}\n\n/);
  ac.abort();

  const a = await connectClient(t, proxy, 'client-a', 'sse');
  const b = await connectClient(t, proxy, 'client-b', 'sse');
  const results = await Promise.all([
    a.callTool({ name: 'echo', arguments: { message: 'from a' } }),
    b.callTool({ name: 'echo', arguments: { message: 'from b' } }),
    a.callTool({ name: 'get-sum', arguments: { a: 2, b: 3 } }),
  ]);
  t.equal(textOf(results[0]), 'Echo: from a');
  t.equal(textOf(results[1]), 'Echo: from b');
  t.match(textOf(results[2]), /5/);

  const progress: number[] = [];
  const long = await b.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1.5, steps: 3 } }, undefined, {
    onprogress: (p) => progress.push(p.progress),
  });
  t.match(textOf(long), /Steps: 3/);
  // The last step and the answer leave the child back to back; the SDK client handles
  // notifications a microtask later than responses, so when both arrive in one read it drops
  // the last step. The steps before it prove the routing.
  t.same(progress.slice(0, 2), [1, 2], 'progress travels on the session stream while the tool runs');

  const sampled = await b.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'x', maxTokens: 5 } });
  t.match(textOf(sampled), /sampled by client-b/, 'sampling reaches the SSE client that caused it');
});

t.test('§6 stdio proxy_mode sse: POST /messages needs a known sessionId', async (t) => {
  const proxy = await startStdioProxy(t, { proxyMode: 'sse' });
  const body = JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
  const headers = { 'content-type': 'application/json' };
  const missing = await fetch(new URL('/messages', proxy.url), { method: 'POST', headers, body });
  t.equal(missing.status, 400);
  const unknown = await fetch(new URL('/messages?sessionId=abc', proxy.url), { method: 'POST', headers, body });
  t.equal(unknown.status, 404);
  t.same(await unknown.json(), { jsonrpc: '2.0', id: 3, error: { code: -32600, message: 'Not found' } });
  const mcp = await fetch(new URL('/mcp', proxy.url), { method: 'POST', headers, body });
  t.equal(mcp.status, 404, '/mcp is not served in sse mode');
});
