// Issue 17, defect 3 (SPEC §14): `requestTimeout: 0` and no idle bound let a client that
// declares a large body and sends one byte less pin that memory and a socket forever. A body
// that stalls is dropped (60 s by default; shortened here), the whole request must arrive within
// the request timeout, and `--max-connections` caps open sockets.

import net from 'node:net';
import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';

/** Open a connection, send a head declaring `declared` bytes and `sent` of them; resolve when the server closes it. */
function stallingClient(baseUrl: string, declared: number, sent: number): { closed: Promise<number>; socket: net.Socket } {
  const url = new URL(baseUrl);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  const started = Date.now();
  // Bounded: on a proxy without the bound the socket stays open, and the test says so.
  const closed = new Promise<number>((resolve) => {
    socket.on('close', () => resolve(Date.now() - started));
    setTimeout(() => resolve(Infinity), 15_000).unref();
  });
  socket.on('error', () => undefined);
  socket.write(`POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
  socket.write(Buffer.alloc(sent, 0x20));
  return { closed, socket };
}

t.test('§14 a body that stalls is dropped after the stall bound', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port), { bodyStallMs: 500 });
  t.teardown(() => proxy.close(1000));

  const { closed, socket } = stallingClient(proxy.url, 1024 * 1024, 1024 * 1024 - 1);
  t.teardown(() => socket.destroy());
  const ms = await closed;
  t.ok(ms >= 400 && ms < 5000, `closed after ${ms} ms of silence (bound 500 ms)`);
  t.equal(upstream.requests.length, 0);
  const res = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"ping"}');
  t.equal(res.status, 200, 'the proxy serves on');
});

t.test('§14 a body trickled slower than the request timeout is dropped', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  // Each byte re-arms the stall timer, so trickling defeats it; the request timeout must not be
  // defeated. Here the stall bound is long and the request bound short.
  const proxy = await startInProcess(httpConfig(upstream.port), { bodyStallMs: 60_000, requestTimeoutMs: 1000 });
  t.teardown(() => proxy.close(1000));
  const { closed, socket } = stallingClient(proxy.url, 1000, 1);
  const drip = setInterval(() => socket.write(' '), 100);
  t.teardown(() => {
    clearInterval(drip);
    socket.destroy();
  });
  const ms = await closed;
  clearInterval(drip);
  t.ok(ms < 10_000, `closed after ${ms} ms although a byte arrived every 100 ms`);
});

t.test('§6 the request timeout never cuts a response stream', async (t) => {
  const upstream = await startRawUpstream((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const timer = setInterval(() => res.write('event: message\ndata: {}\n\n'), 100);
    res.on('close', () => clearInterval(timer));
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port), { requestTimeoutMs: 500 });
  t.teardown(() => proxy.close(100));
  const { default: http } = await import('node:http');
  const url = new URL(proxy.url);
  const events = await new Promise<number>((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: '/mcp', headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      let n = 0;
      res.on('data', (c: Buffer) => (n += c.toString().split('event: message').length - 1));
      setTimeout(() => {
        req.destroy();
        resolve(n);
      }, 2000);
    });
    req.on('error', reject);
  });
  t.ok(events >= 10, `${events} events over 2 s with a 500 ms request timeout`);
});

t.test('--max-connections caps open client sockets', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port), { maxConnections: 3 });
  t.teardown(() => proxy.close(1000));
  const url = new URL(proxy.url);
  const open: net.Socket[] = [];
  t.teardown(() => open.forEach((s) => s.destroy()));
  for (let i = 0; i < 3; i++) {
    const s = net.connect({ host: url.hostname, port: Number(url.port) });
    await new Promise((r) => s.once('connect', r));
    open.push(s);
  }
  const extra = net.connect({ host: url.hostname, port: Number(url.port) });
  extra.on('error', () => undefined);
  const closedFast = await new Promise<boolean>((resolve) => {
    extra.once('close', () => resolve(true));
    setTimeout(() => resolve(false), 3000);
  });
  t.ok(closedFast, 'the fourth connection is closed by the proxy');
  open.forEach((s) => s.destroy());
});
