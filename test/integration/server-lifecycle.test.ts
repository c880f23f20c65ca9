// SPEC §1 `thv-proxy run` as a process: the serving line, request log lines on stdout (§8),
// graceful SIGTERM (in-flight request completes, exit 0), port in use (exit 3).

import http from 'node:http';
import net from 'node:net';
import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, runCli, spawnProxy, writeConfigFile } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';

t.test('§1 run: serves, logs each request, stops gracefully on SIGTERM', async (t) => {
  let slowArrived!: () => void;
  const slowReachedUpstream = new Promise<void>((resolve) => (slowArrived = resolve));
  const upstream = await startRawUpstream(async (req, res, body) => {
    if (req.headers['x-slow']) {
      slowArrived();
      await new Promise((r) => setTimeout(r, 1500));
    }
    jsonResult(res, body, { ok: true });
  });
  t.teardown(() => upstream.close());
  const proxy = await spawnProxy(httpConfig(upstream.port));
  t.teardown(() => proxy.stop('SIGKILL'));
  t.match(proxy.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);

  const quick = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}', { authorization: 'Bearer very-secret' });
  t.equal(quick.status, 200);

  // A slow request is in flight when SIGTERM arrives: it must complete.
  const slow = postJson(proxy.url, '{"jsonrpc":"2.0","id":2,"method":"tools/list"}', { 'x-slow': '1' });
  // In flight for sure (a fixed pause could be too short on a loaded machine): the proxy has
  // forwarded it and the upstream is holding it.
  await slowReachedUpstream;
  const exit = proxy.stop('SIGTERM');
  const slowRes = await slow;
  t.equal(slowRes.status, 200, 'in-flight request completed');
  t.equal(slowRes.body, '{"jsonrpc":"2.0","id":2,"result":{"ok":true}}');
  t.equal(await exit, 0, 'exit 0');

  const lines = proxy.stdoutLines.map((l) => JSON.parse(l) as Record<string, unknown>);
  const call = lines.find((l) => l.msg === 'request' && l.rpcId === 1);
  t.match(call, { method: 'POST', path: '/mcp', status: 200, mcpMethod: 'tools/call', tool: 'echo' }, '§8 request line fields');
  t.type(call?.durationMs, 'number');
  t.ok(lines.some((l) => l.msg === 'request' && l.rpcId === 2 && l.status === 200), 'the in-flight request was logged');
  t.notMatch(proxy.stdoutLines.join('\n'), /very-secret/, 'no Authorization value in the logs');
  t.equal(proxy.stderr(), '');
});

t.test('§1 run: port in use is exit 3 with one sentence', async (t) => {
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as net.AddressInfo).port;
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const path = writeConfigFile(httpConfig(upstream.port, { port }));
  const res = await runCli(['run', '--config', path]);
  t.equal(res.code, 3);
  t.equal(res.stderr.trim(), `port ${port} on 127.0.0.1 is already in use`);
});

t.test('§1 run: --port overrides the config', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  const proxy = await spawnProxy(httpConfig(upstream.port, { port: 1 }), ['--port', String(port)]);
  t.teardown(() => proxy.stop('SIGKILL'));
  t.equal(proxy.url, `http://127.0.0.1:${port}`);
  t.equal(await proxy.stop('SIGINT'), 0, 'SIGINT also stops with 0');
});

t.test('§1 run: an open event stream does not hold shutdown for the whole grace period', async (t) => {
  const upstream = await startRawUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n'); // and never ends
  });
  t.teardown(() => upstream.close());
  const proxy = await spawnProxy(httpConfig(upstream.port));
  t.teardown(() => proxy.stop('SIGKILL'));
  const u = new URL(proxy.url);
  let streaming!: () => void;
  const opened = new Promise<void>((resolve) => (streaming = resolve));
  const ended = new Promise<void>((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/mcp', agent: false }, (res) => {
      res.once('data', () => streaming());
      res.resume();
      res.once('end', () => resolve());
      res.once('error', reject);
    });
    req.on('error', reject);
  });
  // The stream is open through the proxy (its first event arrived) before the signal.
  await opened;
  const start = Date.now();
  t.equal(await proxy.stop('SIGTERM'), 0);
  await ended;
  t.ok(Date.now() - start < 8000, `stopped in ${Date.now() - start} ms (grace is 10 s)`);
});
