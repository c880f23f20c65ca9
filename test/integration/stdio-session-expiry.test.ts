// SPEC §6 (stdio): idle sessions expire. A client that crashes never sends DELETE; its session
// must not stay in memory until the proxy stops. Short timeout here (300 ms, swept every 75 ms);
// every wait is several times the worst case (timeout + 1 sweep = 375 ms) so a loaded machine
// cannot make the test flaky, and every "kept" case waits just as long.
import { setTimeout as sleep } from 'node:timers/promises';
import t, { type Test } from 'tap';
import type { RunningProxy } from '../../src/server/start.js';
import { startStdioProxy } from '../helpers/stdioHarness.js';

const IDLE_MS = 300;
/** Well past timeout + two sweeps, also on a slow machine. */
const WELL_PAST_IDLE_MS = 2_000;

const INIT = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

function post(proxy: RunningProxy, sid: string | undefined, body: unknown): Promise<Response> {
  return fetch(proxy.endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...(sid ? { 'mcp-session-id': sid } : {}) },
    body: JSON.stringify(body),
  });
}

async function openSession(t: Test, proxy: RunningProxy): Promise<string> {
  const init = await post(proxy, undefined, INIT);
  t.equal(init.status, 200, 'initialize answered');
  await init.arrayBuffer();
  const sid = init.headers.get('mcp-session-id');
  if (!sid) throw new Error('no Mcp-Session-Id');
  const note = await post(proxy, sid, { jsonrpc: '2.0', method: 'notifications/initialized' });
  t.equal(note.status, 202);
  return sid;
}

async function listStatus(proxy: RunningProxy, sid: string, id: number): Promise<number> {
  const res = await post(proxy, sid, { jsonrpc: '2.0', id, method: 'tools/list' });
  await res.arrayBuffer();
  return res.status;
}

t.test('§6 stdio: an idle session expires and then gets the 404 of an unknown session', async (t) => {
  const proxy = await startStdioProxy(t, { sessionIdleTimeoutMs: IDLE_MS });
  const sid = await openSession(t, proxy);
  t.equal(await listStatus(proxy, sid, 1), 200, 'the session works before it is idle');

  await sleep(WELL_PAST_IDLE_MS);
  const after = await post(proxy, sid, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  t.equal(after.status, 404, 'expired session is unknown');
  t.same(await after.json(), await unknownBody(proxy), 'same body as a session id never issued');
  const get = await fetch(proxy.endpoint, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid } });
  t.equal(get.status, 404, 'a GET stream cannot revive it');
  await get.arrayBuffer();

  const fresh = await openSession(t, proxy);
  t.not(fresh, sid, 'the client initializes again and gets a new session');
  t.equal(await listStatus(proxy, fresh, 3), 200);
});

/** What a session id the proxy never issued gets, with the same JSON-RPC id as above. */
async function unknownBody(proxy: RunningProxy): Promise<unknown> {
  const res = await post(proxy, '00000000-0000-0000-0000-000000000000', { jsonrpc: '2.0', id: 2, method: 'tools/list' });
  return res.json();
}

t.test('§6 stdio: a session with an open GET stream is kept while the stream is open', async (t) => {
  const proxy = await startStdioProxy(t, { sessionIdleTimeoutMs: IDLE_MS });
  const sid = await openSession(t, proxy);
  const ac = new AbortController();
  const stream = await fetch(proxy.endpoint, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid }, signal: ac.signal });
  t.equal(stream.status, 200, 'GET stream open');
  t.teardown(() => ac.abort());

  await sleep(WELL_PAST_IDLE_MS);
  t.equal(await listStatus(proxy, sid, 1), 200, 'kept although no request came for longer than the timeout');

  // Once the stream is gone, the idle clock runs again.
  ac.abort();
  await sleep(WELL_PAST_IDLE_MS);
  t.equal(await listStatus(proxy, sid, 2), 404, 'expires after its stream closed');
});

t.test('§6 stdio: a session that keeps calling is kept', async (t) => {
  const proxy = await startStdioProxy(t, { sessionIdleTimeoutMs: IDLE_MS });
  const sid = await openSession(t, proxy);
  const until = Date.now() + WELL_PAST_IDLE_MS;
  let calls = 0;
  while (Date.now() < until) {
    t.equal(await listStatus(proxy, sid, ++calls), 200, `call ${calls} answered`);
    await sleep(IDLE_MS / 4);
  }
  t.ok(calls > 4, `kept across ${calls} calls spanning several idle timeouts`);
});

async function openLegacy(t: Test, proxy: RunningProxy): Promise<{ abort: () => void; message: (id: number) => Promise<number> }> {
  const ac = new AbortController();
  const raw = await fetch(proxy.endpoint, { headers: { accept: 'text/event-stream' }, signal: ac.signal });
  t.teardown(() => ac.abort());
  const first = new TextDecoder().decode((await raw.body!.getReader().read()).value);
  const path = /data: (\/messages\?sessionId=[0-9a-f-]{36})/.exec(first)?.[1];
  if (!path) throw new Error(`no endpoint event in ${first}`);
  const message = async (id: number): Promise<number> => {
    const res = await fetch(new URL(path, proxy.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id, method: 'ping' }) });
    await res.arrayBuffer();
    return res.status;
  };
  return { abort: () => ac.abort(), message };
}

t.test('§6 stdio proxy_mode sse: a legacy session is kept while its stream is open', async (t) => {
  const proxy = await startStdioProxy(t, { proxyMode: 'sse', sessionIdleTimeoutMs: IDLE_MS });
  const legacy = await openLegacy(t, proxy);
  await sleep(WELL_PAST_IDLE_MS);
  t.equal(await legacy.message(1), 202, 'open stream: session kept past the idle timeout');
});

t.test('§6 stdio proxy_mode sse: a legacy session is removed as soon as its stream closes', async (t) => {
  // Default idle timeout (30 min): a 404 here can only come from the stream closing.
  const proxy = await startStdioProxy(t, { proxyMode: 'sse' });
  const legacy = await openLegacy(t, proxy);
  t.equal(await legacy.message(1), 202, 'session works while its stream is open');
  legacy.abort();
  let status = 0;
  for (let i = 2; i < 200 && status !== 404; i++) {
    status = await legacy.message(i);
    if (status !== 404) await sleep(50);
  }
  t.equal(status, 404, 'closed stream: session gone without waiting for the idle timeout');
});
