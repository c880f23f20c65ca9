// Regression (issue 8, bench streams mode): the upstream pool was capped at 64 connections, and
// each open SSE stream holds one for its life, so 64 idle GET streams stopped every other request
// — the 65th stream and every POST queued forever. 80 streams, then a POST that must be answered.

import http, { type IncomingMessage } from 'node:http';
import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';

const STREAMS = 80;

function openStream(url: string): Promise<{ req: http.ClientRequest; res: IncomingMessage }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/mcp', headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
      // Resolved only once the first event went through the proxy: the stream is really open.
      res.once('data', () => resolve({ req, res }));
    });
    req.on('error', reject);
  });
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

t.test('§6 80 open GET event streams do not block a POST (no connection cap that streams can exhaust)', async (t) => {
  const upstream = await startRawUpstream((req, res, body) => {
    if (req.method === 'GET') {
      // A standalone stream that never ends on its own.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      return;
    }
    jsonResult(res, body, { ok: true });
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));

  const streams: { req: http.ClientRequest }[] = [];
  t.teardown(() => {
    for (const s of streams) s.req.destroy();
  });
  // Generous bounds (loaded shared machine); before the fix stream 65 never opened at all.
  for (let i = 0; i < STREAMS; i += 20) {
    const batch = await within(Promise.all(Array.from({ length: Math.min(20, STREAMS - i) }, () => openStream(proxy.url))), 20_000, `streams ${i + 1}..${i + 20}`);
    streams.push(...batch);
  }
  t.equal(streams.length, STREAMS, 'every stream opened and delivered its first event');
  t.equal(upstream.requestsActive(), STREAMS, 'the upstream holds all of them open');

  const answer = await within(
    postJson(proxy.url, '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo","arguments":{}}}'),
    10_000,
    'POST while 80 streams are open',
  );
  t.equal(answer.status, 200, 'the POST is answered');
  t.match(JSON.parse(answer.body), { jsonrpc: '2.0', id: 7, result: { ok: true } });
});
