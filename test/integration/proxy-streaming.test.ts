// SPEC §6 streams: event by event, no buffering, backpressure, the legacy SSE endpoint event,
// and client aborts that reach the upstream.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import t from 'tap';
import { startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/http.js';

function get(url: string, path: string, headers: Record<string, string> = {}): Promise<{ req: http.ClientRequest; res: IncomingMessage }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => resolve({ req, res }));
    req.on('error', reject);
  });
}

function nextData(res: IncomingMessage, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no data within ${timeoutMs} ms`)), timeoutMs);
    res.once('data', (c: Buffer) => {
      clearTimeout(timer);
      resolve(c.toString());
    });
  });
}

t.test('§6 an SSE response reaches the client event by event', async (t) => {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const upstream = await startRawUpstream(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: message\ndata: {"n":1}\n\n');
    // The second event is written only once the client has the first: a buffering proxy
    // would never deliver the first, and the test would time out.
    await released;
    res.end('event: message\ndata: {"n":2}\n\n');
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));

  const { res } = await get(proxy.url, '/mcp');
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-accel-buffering'], 'no');
  t.equal(await nextData(res, 5000), 'event: message\ndata: {"n":1}\n\n', 'first event before the second exists');
  release();
  t.equal(await nextData(res, 5000), 'event: message\ndata: {"n":2}\n\n');
});

t.test('§6 a quiet stream is not timed out (no body timeout)', async (t) => {
  const upstream = await startRawUpstream(async (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': open\n\n');
    await new Promise((r) => setTimeout(r, 2500));
    res.end('data: late\n\n');
  });
  t.teardown(() => upstream.close());
  // 1 s for the head (300 ms could pass on a loaded machine before it arrives), then 2.5 s of
  // silence: well past the header timeout.
  const proxy = await startInProcess(httpConfig(upstream.port), { headersTimeoutMs: 1000 });
  t.teardown(() => proxy.close(1000));
  const { res } = await get(proxy.url, '/mcp');
  let body = '';
  for await (const c of res) body += (c as Buffer).toString();
  t.equal(body, ': open\n\ndata: late\n\n', 'silence longer than the header timeout after the head is fine');
});

t.test('§6 legacy SSE: the endpoint event keeps pointing at the proxy', async (t) => {
  let endpointValue = '';
  const upstream = await startRawUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    // Split mid-line across writes, as a real server's chunks may be.
    const event = `event: endpoint\ndata: ${endpointValue}\n\n`;
    res.write(event.slice(0, 20));
    setTimeout(() => res.end(`${event.slice(20)}event: message\ndata: {"url":"${upstream.origin}/x"}\n\n`), 50);
    void req;
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port, { transport: 'sse' }));
  t.teardown(() => proxy.close(1000));

  async function endpointSeen(value: string): Promise<string> {
    endpointValue = value;
    const { res } = await get(proxy.url, '/sse');
    let body = '';
    for await (const c of res) body += (c as Buffer).toString();
    return body;
  }
  const absolute = await endpointSeen(`${upstream.origin}/messages?sessionId=abc`);
  t.match(absolute, /^event: endpoint\ndata: \/messages\?sessionId=abc\n\n/, 'absolute upstream URL cut to a path');
  t.match(absolute, new RegExp(`data: \\{"url":"${upstream.origin}/x"\\}`), 'later events untouched');
  const relative = await endpointSeen('/messages?sessionId=def');
  t.match(relative, /^event: endpoint\ndata: \/messages\?sessionId=def\n\n/, 'relative path passes');
  const foreign = await endpointSeen('https://other.example/messages?sessionId=x');
  t.match(foreign, /data: https:\/\/other\.example\/messages\?sessionId=x/, "another host's URL is left alone");
});

t.test('§6 backpressure: a client that does not read holds the upstream back', async (t) => {
  let written = 0;
  const upstream = await startRawUpstream(async (_req, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = Buffer.alloc(64 * 1024, 'a');
    while (written < 256 * 1024 * 1024 && !res.destroyed) {
      written += chunk.length;
      if (!res.write(chunk)) await new Promise((r) => res.once('drain', r).once('close', r));
    }
    res.end();
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));
  const { req, res } = await get(proxy.url, '/mcp');
  res.pause();
  await new Promise((r) => setTimeout(r, 1500));
  const held = written;
  t.ok(held < 48 * 1024 * 1024, `upstream wrote ${(held / 1048576).toFixed(1)} MiB while the client read nothing`);
  // Reading resumes the flow.
  let got = 0;
  res.on('data', (c: Buffer) => (got += c.length));
  res.resume();
  await waitFor(() => got > held + 4 * 1024 * 1024, 10_000, 'the stream to flow again');
  t.ok(written > held, 'the upstream continued once the client read');
  req.destroy();
  await waitFor(() => upstream.requestsActive() === 0, 5000, 'the upstream request to close');
});

t.test('§6 200 client aborts in a row leave no open upstream request or socket', async (t) => {
  const upstream = await startRawUpstream((req, res) => {
    if (req.url === '/slow-head') return; // never answers: the abort comes before the head
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('event: message\ndata: {}\n\n'); // then stays open forever
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));

  for (let i = 0; i < 200; i++) {
    const { req, res } = await get(proxy.url, '/mcp');
    await nextData(res, 5000);
    req.destroy();
  }
  for (let i = 0; i < 20; i++) {
    const u = new URL(proxy.url);
    const req = http.get({ host: u.hostname, port: u.port, path: '/slow-head', agent: false });
    req.on('error', () => undefined);
    await waitFor(() => upstream.requests.filter((r) => r.url === '/slow-head').length > i, 5000, 'the request to reach the upstream');
    req.destroy();
  }
  await waitFor(() => upstream.requestsActive() === 0, 10_000, `upstream requests to close (active ${upstream.requestsActive()})`);
  t.equal(upstream.requestsAborted(), 220, 'every upstream request was aborted');
  // An aborted upstream request takes its socket down with it. What may remain are a few idle
  // pool connections (undici opens one for a queued request that then got another socket);
  // they are reused later, so their number does not grow with the aborts.
  const open = upstream.connectionsOpen();
  t.ok(open <= 4, `${open} idle pooled connections after 220 aborts`);
  t.ok(upstream.connectionsOpened() >= 220, 'each aborted request had its own socket, now closed');
  const aborted = proxy.requestLogs().filter((l) => l.aborted === true);
  t.equal(aborted.length, 220, 'each abort is logged as such');
  await proxy.close(1000);
  await waitFor(() => upstream.connectionsOpen() === 0, 5000, 'the pool to close its idle sockets on shutdown');
  t.equal(upstream.connectionsOpen(), 0, 'nothing left after shutdown');
});
