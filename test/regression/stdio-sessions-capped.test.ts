// Regression (issue 17, defect 4): every `initialize` opened a stdio session kept for 30 minutes,
// with no cap: one client could open ~850 a second and grow the proxy without bound. Sessions
// are now capped globally (`--max-sessions`, default 1000, SPEC §14) and per client address
// (`--max-sessions-per-client`, default 100). At a cap the oldest idle session (no open stream,
// nothing pending) is evicted to make room; only when none is idle is the new one refused, 503
// with a JSON-RPC error.
import http from 'node:http';
import t, { type Test } from 'tap';
import { startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { EVERYTHING_ENTRY } from '../helpers/stdioHarness.js';

interface Options {
  stdioMaxSessions?: number;
  stdioMaxSessionsPerClient?: number;
}

async function start(t: Test, opts: Options = {}): Promise<InProcessProxy> {
  const proxy = await startInProcess(
    { name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], port: 0 },
    { store: 'memory', ...opts },
  );
  t.teardown(() => proxy.close(1_000));
  return proxy;
}

interface Answer {
  status: number;
  body: string;
  sessionId: string | undefined;
}

/** One request from client address `from` (any 127.x.y.z: all of it is loopback on Linux). */
function post(proxy: InProcessProxy, from: string, body: unknown, sessionId?: string): Promise<Answer> {
  const u = new URL(proxy.url);
  const text = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: 'POST',
        path: '/mcp',
        localAddress: from,
        agent: false,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
        },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: data, sessionId: res.headers['mcp-session-id'] as string | undefined }));
      },
    );
    req.on('error', reject);
    req.end(text);
  });
}

const initialize = (proxy: InProcessProxy, from: string, id: number | string = 1): Promise<Answer> =>
  post(proxy, from, { jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: `c-${from}`, version: '1' } } });

async function session(t: Test, proxy: InProcessProxy, from: string): Promise<string> {
  const a = await initialize(proxy, from);
  if (a.status !== 200) t.fail(`initialize from ${from}: ${a.status} ${a.body}`);
  return a.sessionId!;
}

const alive = async (proxy: InProcessProxy, from: string, sid: string): Promise<boolean> =>
  (await post(proxy, from, { jsonrpc: '2.0', id: 'p', method: 'ping' }, sid)).status === 200;

/** Opens the session's GET stream (the session is then busy, never evicted); resolves when its head arrived. */
function openStream(t: Test, proxy: InProcessProxy, from: string, sid: string): Promise<http.ClientRequest> {
  const u = new URL(proxy.url);
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: u.hostname, port: u.port, path: '/mcp', localAddress: from, agent: false, headers: { accept: 'text/event-stream', 'mcp-session-id': sid } },
      (res) => {
        res.resume();
        res.on('error', () => undefined);
        if (res.statusCode === 200) resolve(req);
        else reject(new Error(`GET stream: ${res.statusCode}`));
      },
    );
    req.on('error', () => undefined);
    t.teardown(() => req.destroy());
  });
}

t.test('§14 stdio: one client opening 150 sessions keeps at most 100 (default per-client cap); the oldest idle ones go first', async (t) => {
  const proxy = await start(t);
  const ids: string[] = [];
  for (let i = 0; i < 150; i++) ids.push(await session(t, proxy, '127.0.0.1'));
  let live = 0;
  for (const sid of ids.slice(0, 50)) if (await alive(proxy, '127.0.0.1', sid)) live++;
  t.equal(live, 0, 'the first 50 were evicted (404 now)');
  live = 0;
  for (const sid of ids.slice(50)) if (await alive(proxy, '127.0.0.1', sid)) live++;
  t.equal(live, 100, 'the last 100 are alive');
  const evictions = proxy.logs.filter((l) => l.msg === 'stdio session evicted to make room for a new one');
  t.equal(evictions.length, 50, 'each eviction is logged');
  t.match(evictions[0], { level: 30, session: ids[0], client: '127.0.0.1' });
});

t.test('§14 stdio: per-client cap: the oldest idle session is evicted; with none idle the next initialize is a 503; other clients are not affected', async (t) => {
  const proxy = await start(t, { stdioMaxSessionsPerClient: 3 });
  const me = '127.0.0.2';
  const a = await session(t, proxy, me);
  const b = await session(t, proxy, me);
  const c = await session(t, proxy, me);
  await openStream(t, proxy, me, b);
  await openStream(t, proxy, me, c);

  const d = await session(t, proxy, me);
  t.notOk(await alive(proxy, me, a), 'a, the only idle one, made room for d');
  t.ok(await alive(proxy, me, b), 'b (with its stream) stays');
  t.ok(await alive(proxy, me, c), 'c (with its stream) stays');
  await openStream(t, proxy, me, d);

  const refused = await initialize(proxy, me, 'init-5');
  t.equal(refused.status, 503, 'no idle session left: 503');
  t.same(JSON.parse(refused.body), { jsonrpc: '2.0', id: 'init-5', error: { code: -32603, message: 'Too many sessions' } });
  t.equal(refused.sessionId, undefined, 'no session id');
  const line = proxy.requestLogs().find((l) => l.status === 503);
  t.match(line, { rejectedBy: 'stdio', reason: /sessions/ }, 'the request log says why');

  const other = await initialize(proxy, '127.0.0.3');
  t.equal(other.status, 200, 'another client address still gets sessions');
  for (const sid of [b, c, d]) t.ok(await alive(proxy, me, sid), 'the busy sessions were not disturbed');
});

t.test('§14 stdio: global cap (--max-sessions): evicts the oldest idle session of any client, 503 when all are busy', async (t) => {
  const proxy = await start(t, { stdioMaxSessions: 3 });
  const s1 = await session(t, proxy, '127.0.1.1');
  const s2 = await session(t, proxy, '127.0.1.2');
  const s3 = await session(t, proxy, '127.0.1.3');
  const stream2 = await openStream(t, proxy, '127.0.1.2', s2);
  await openStream(t, proxy, '127.0.1.3', s3);

  const s4 = await session(t, proxy, '127.0.1.4');
  t.notOk(await alive(proxy, '127.0.1.1', s1), "s1 (idle) was evicted for another client's session");
  await openStream(t, proxy, '127.0.1.4', s4);
  const refused = await initialize(proxy, '127.0.1.5', 9);
  t.equal(refused.status, 503);
  t.same(JSON.parse(refused.body), { jsonrpc: '2.0', id: 9, error: { code: -32603, message: 'Too many sessions' } });

  // Closing s2's stream makes it idle: the next initialize takes its place.
  stream2.destroy();
  let s5: Answer | undefined;
  for (let i = 0; i < 100 && s5?.status !== 200; i++) {
    s5 = await initialize(proxy, '127.0.1.5', 10);
    if (s5.status !== 200) await new Promise((r) => setImmediate(r));
  }
  t.equal(s5?.status, 200, 'room once a session is idle again');
  t.notOk(await alive(proxy, '127.0.1.2', s2), 's2 was the one evicted');
});

t.test('§14 stdio sse: a legacy session is its stream, so at the cap the next GET /sse is a 503', async (t) => {
  const proxy = await startInProcess(
    { name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], proxy_mode: 'sse', port: 0 },
    { store: 'memory', stdioMaxSessionsPerClient: 1 },
  );
  t.teardown(() => proxy.close(1_000));
  const u = new URL(proxy.url);
  const get = (): Promise<{ status: number; body: string; req: http.ClientRequest }> =>
    new Promise((resolve, reject) => {
      const req = http.get({ host: u.hostname, port: u.port, path: '/sse', agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => {
          body += d;
          if (res.statusCode === 200) resolve({ status: 200, body, req });
        });
        res.on('end', () => resolve({ status: res.statusCode!, body, req }));
        res.on('error', () => undefined);
      });
      req.on('error', reject);
      t.teardown(() => req.destroy());
    });
  const first = await get();
  t.equal(first.status, 200, 'the first stream opens');
  t.match(first.body, /event: endpoint/);
  const second = await get();
  t.equal(second.status, 503);
  t.same(JSON.parse(second.body), { jsonrpc: '2.0', error: { code: -32603, message: 'Too many sessions' } });
});
