import t from 'tap';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { createBodyLimitMiddleware } from '../../../src/guard/bodyLimit.js';
import { Rejection, writeRejection } from '../../../src/errors.js';
import type { RequestContext } from '../../../src/chain/types.js';
import { makeContext, visible } from '../mcp/context.js';

/** The part of a tap test these helpers need. */
type Teardown = { teardown(fn: () => unknown): void };

const LIMIT = 64 * 1024;
const limiter = createBodyLimitMiddleware({ maxBodyBytes: LIMIT });

/** What the server saw for one request. */
interface Seen {
  sync: boolean;
  result: Rejection | undefined;
  body: Buffer | null;
  listenersLeft: number;
}

/** A real node:http server that runs only the body-limit stage, then answers 200 or the rejection. */
async function startServer(t: Teardown): Promise<{ port: number; seen: Seen[]; next(): Promise<Seen> }> {
  const seen: Seen[] = [];
  const waiters: Array<(s: Seen) => void> = [];
  const server = http.createServer((req, res) => {
    const ctx: RequestContext = {
      httpMethod: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers, clientIp: '127.0.0.1',
      req, res, body: null, mcp: null, note: null, trace: null, startNs: 0n, rejectedBy: undefined, reason: undefined, streaming: false, closeWatcher: null, watchesClose: false,
    };
    const out = limiter.handle(ctx);
    const done = (result: Rejection | undefined | void): void => {
      const s: Seen = {
        sync: !(out instanceof Promise), result: result ?? undefined, body: ctx.body,
        listenersLeft: req.listenerCount('data') + req.listenerCount('end'),
      };
      seen.push(s);
      waiters.shift()?.(s);
      if (result) {
        writeRejection(res, result);
        return;
      }
      const digest = ctx.body ? createHash('sha256').update(ctx.body).digest('hex') : 'none';
      res.end(JSON.stringify({ bytes: ctx.body?.length ?? null, digest }));
    };
    if (out instanceof Promise) void out.then(done);
    else done(out);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
  const port = (server.address() as net.AddressInfo).port;
  return { port, seen, next: () => new Promise<Seen>((resolve) => waiters.push(resolve)) };
}

async function request(port: number, opts: { method?: string; headers?: Record<string, string>; chunks?: Buffer[] }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return await new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: '/mcp', headers: opts.headers, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    for (const c of opts.chunks ?? []) req.write(c);
    req.end();
  });
}

/** Raw HTTP/1.1 over a socket: lets a test send a head and part of a body, then wait or vanish. */
async function rawSocket(t: Teardown, port: number): Promise<{ socket: net.Socket; response: Promise<string> }> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  t.teardown(() => { socket.destroy(); });
  const response = new Promise<string>((resolve) => {
    let text = '';
    socket.on('data', (c: Buffer) => { text += c.toString(); });
    socket.on('close', () => resolve(text));
    socket.on('error', () => {});
  });
  return { socket, response };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

t.test('the stage is named "body-limit" and validates its limit at construction', async (t) => {
  t.equal(limiter.name, 'body-limit');
  t.throws(() => createBodyLimitMiddleware({ maxBodyBytes: -1 }), /maxBodyBytes/);
  t.throws(() => createBodyLimitMiddleware({ maxBodyBytes: 1.5 }), /maxBodyBytes/);
});

t.test('§3 a body of exactly the limit passes, byte for byte (Content-Length and chunked)', async (t) => {
  const { port, next } = await startServer(t);
  const body = Buffer.alloc(LIMIT, 'a');
  body[0] = 0x7b;
  const seenCl = next();
  const cl = await request(port, { headers: { 'content-type': 'application/json', 'content-length': String(LIMIT) }, chunks: [body] });
  t.equal(cl.status, 200);
  t.same(JSON.parse(cl.body), { bytes: LIMIT, digest: sha(body) });
  t.equal((await seenCl).listenersLeft, 0, 'no listener left on the request');

  const parts = [body.subarray(0, 1000), body.subarray(1000, 40000), body.subarray(40000)];
  const chunked = await request(port, { headers: { 'content-type': 'application/json' }, chunks: parts });
  t.equal(chunked.status, 200);
  t.same(JSON.parse(chunked.body), { bytes: LIMIT, digest: sha(body) }, 'chunks concatenated in order');
});

t.test('§3 §7 a declared Content-Length over the limit is answered 413 before the body is read', async (t) => {
  const { port, next } = await startServer(t);
  const { socket, response } = await rawSocket(t, port);
  const seen = next();
  // The head promises LIMIT+1 bytes; only 10 are sent and the socket stays open.
  socket.write(`POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${LIMIT + 1}\r\n\r\n0123456789`);
  const s = await seen;
  t.ok(s.sync, 'decided synchronously, without waiting for the body');
  t.equal(s.result?.kind, 'BODY_TOO_LARGE');
  const text = await response; // the server closes the connection after answering
  t.match(text, /^HTTP\/1\.1 413 /);
  t.match(text, /\r\nconnection: close\r\n/i);
  t.match(text, /\r\ncontent-type: application\/json\r\n/i);
  const json = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
  t.same(json, { jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large' } });
});

t.test('§3 a chunked body is cut off with 413 once it passes the limit', async (t) => {
  const { port, next } = await startServer(t);
  const { socket, response } = await rawSocket(t, port);
  const seen = next();
  socket.write('POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunk = Buffer.alloc(16 * 1024, 'x');
  for (let i = 0; i < 5; i++) socket.write(Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]));
  // No terminating chunk: the stage must not wait for the end of the body.
  const s = await seen;
  t.notOk(s.sync, 'had to read');
  t.equal(s.result?.kind, 'BODY_TOO_LARGE');
  t.equal(s.listenersLeft, 0, 'stopped listening');
  t.equal(s.body, null, 'no partial body is kept');
  const text = await response;
  t.match(text, /^HTTP\/1\.1 413 /);
  t.match(text, /\r\nconnection: close\r\n/i);
});

t.test('§3 a client still streaming a large body receives the 413', async (t) => {
  const { port } = await startServer(t);
  const res = await new Promise<{ status: number; body: string; connection: string | undefined }>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/mcp', headers: { 'content-type': 'application/json' }, agent: false }, (r) => {
      const parts: Buffer[] = [];
      r.on('data', (c: Buffer) => parts.push(c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(parts).toString(), connection: r.headers.connection }));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'y');
    let sent = 0;
    const pump = (): void => {
      while (sent < 200) {
        sent++;
        if (!req.write(chunk)) { req.once('drain', pump); return; }
      }
      req.end();
    };
    pump();
  }).catch((err: Error) => ({ status: -1, body: err.message, connection: undefined }));
  t.equal(res.status, 413, `client got ${res.status} ${res.body}`);
  t.equal(res.connection, 'close');
  t.same(JSON.parse(res.body), { jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large' } });
});

t.test('§3 a client that aborts mid-body neither crashes the server nor leaks listeners', async (t) => {
  const { port, next } = await startServer(t);
  for (const head of [
    `POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"jsonrpc"`,
    'POST /mcp HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\na\r\n{"jsonrpc"\r\n',
  ]) {
    const { socket } = await rawSocket(t, port);
    const seen = next();
    socket.write(head);
    await new Promise((r) => setTimeout(r, 50));
    socket.destroy();
    const s = await seen;
    t.equal(s.result?.kind, 'INVALID_REQUEST', 'the chain stops');
    t.match(s.result?.reason, /closed the connection/);
    t.equal(s.listenersLeft, 0, 'no listener left on the request');
  }
  // The server still answers afterwards.
  const after = await request(port, { headers: { 'content-type': 'application/json' }, chunks: [Buffer.from('{}')] });
  t.equal(after.status, 200);
});

t.test('§3 requests without a body are decided synchronously', async (t) => {
  const { port, seen } = await startServer(t);
  const get = await request(port, { method: 'GET' });
  t.same(JSON.parse(get.body), { bytes: null, digest: 'none' }, 'GET: ctx.body stays null');
  const post = await request(port, { method: 'POST', headers: { 'content-length': '0' } });
  t.same(JSON.parse(post.body), { bytes: 0, digest: sha(Buffer.alloc(0)) }, 'POST with Content-Length 0: empty body');
  const del = await request(port, { method: 'DELETE' });
  t.equal(del.status, 200);
  t.same(seen.map((s) => s.sync), [true, true, true]);
  const getWithBody = await request(port, { method: 'GET', headers: { 'content-length': '3' }, chunks: [Buffer.from('abc')] });
  t.same(JSON.parse(getWithBody.body), { bytes: 3, digest: sha(Buffer.from('abc')) }, 'a GET that carries a body has it read');
});

t.test('§1 dry-run: the given body is only measured', async (t) => {
  const small = makeContext({ body: Buffer.alloc(1234), trace: true });
  t.equal(limiter.handle(small), undefined);
  t.equal(small.note?.summary, '1234 bytes');
  const exact = makeContext({ body: Buffer.alloc(LIMIT) });
  t.equal(limiter.handle(exact), undefined);
  t.equal(exact.note, null, 'nothing formatted when not tracing');
  const none = makeContext({ method: 'GET', body: null });
  t.equal(limiter.handle(none), undefined);
  const big = makeContext({ body: Buffer.alloc(LIMIT + 1), trace: true });
  const r = limiter.handle(big) as Rejection;
  t.equal(r.kind, 'BODY_TOO_LARGE');
  t.same(visible(r), { status: 413, body: { jsonrpc: '2.0', error: { code: -32600, message: 'Request body too large' } } });
  t.same(r.response().headers, { 'content-type': 'application/json', connection: 'close', 'content-length': String(Buffer.byteLength(r.body())) });
  t.match(big.note?.summary, /over/);
});
