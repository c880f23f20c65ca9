// SPEC §10 and §7 against an upstream the test controls byte for byte: a denied call gets the exact
// 403 and never reaches the server; list answers are filtered in JSON (Content-Length right, other
// fields kept) and in SSE event by event (an event reaches the client before the upstream has
// written the next: nothing buffers the stream); methods outside ToolHive's map are denied; tool
// annotations from the upstream's own list drive `resource.readOnlyHint`; without oidc_config the
// principal is ToolHive's local user.
import t, { type Test } from 'tap';
import http from 'node:http';
import os from 'node:os';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { postJson, waitFor } from '../helpers/http.js';

const TOOLS = [
  { name: 'read', description: 'r', annotations: { readOnlyHint: true }, inputSchema: { type: 'object' } },
  { name: 'write', annotations: { readOnlyHint: false }, inputSchema: { type: 'object' } },
  { name: 'admin-wipe', inputSchema: { type: 'object' } },
];

const POLICIES = [
  'permit(principal, action == Action::"call_tool", resource) when { resource has readOnlyHint && resource.readOnlyHint };',
  `permit(principal == Client::${JSON.stringify(os.userInfo().username)}, action == Action::"get_prompt", resource);`,
];

/** Answers by method: tools/list in JSON or SSE (?sse), the rest a plain empty result. */
function handler(upstream: () => RawUpstream, sseGate: { release?: () => void }): Parameters<typeof startRawUpstream>[0] {
  return (req, res, body) => {
    const msg = JSON.parse(body.toString() || '{}') as { id?: number; method?: string };
    if (msg.method === 'tools/list' && req.headers['x-test-sse'] === '1') {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"first"}}\n\n');
      const list = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { tools: TOOLS } });
      // The answer only after the test saw the first event: proves the proxy does not hold the stream.
      sseGate.release = () => {
        res.write(`id: 2\r\ndata: ${list.slice(0, 20)}`);
        setTimeout(() => res.end(`${list.slice(20)}\r\n\r\n`), 20);
      };
      return;
    }
    if (msg.method === 'tools/list' && req.headers['x-test-status'] === '500') {
      const text = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { tools: TOOLS } });
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(text);
      return;
    }
    if (msg.method === 'tools/list') return jsonResult(res, body, { tools: TOOLS, nextCursor: 'page2' });
    void upstream;
    jsonResult(res, body, {});
  };
}

async function setUp(t: Test) {
  const gate: { release?: () => void } = {};
  let up: RawUpstream | null = null;
  up = await startRawUpstream(handler(() => up!, gate));
  t.teardown(() => up!.close());
  const proxy: InProcessProxy = await startInProcess(httpConfig(up.port, { authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: POLICIES } } }));
  t.teardown(() => proxy.close(1000));
  return { up, proxy, gate };
}

const call = (id: number, name: string) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

t.test('§10 §7 a denied call: 403 {"code":403,"message":"Unauthorized"} and the server never sees it', async (t) => {
  const { up, proxy } = await setUp(t);
  const before = up.requests.length;
  const r = await postJson(proxy.endpoint, call(1, 'admin-wipe'));
  t.equal(r.status, 403);
  t.equal(r.headers['content-type'], 'application/json');
  t.equal(r.body, '{"jsonrpc":"2.0","id":1,"error":{"code":403,"message":"Unauthorized"}}');
  t.equal(up.requests.length, before, 'not forwarded');
  t.match(proxy.requestLogs().at(-1), { status: 403 });
});

t.test('§10 annotations of the upstream\'s own tools/list drive resource.readOnlyHint on calls', async (t) => {
  const { up, proxy } = await setUp(t);
  t.equal((await postJson(proxy.endpoint, call(1, 'read'))).status, 403, 'before any tools/list the hint is unknown: the policy fails, denied (ToolHive)');
  const list = await postJson(proxy.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
  t.equal(list.status, 200);
  const answer = JSON.parse(list.body);
  t.strictSame(answer.result.tools.map((x: { name: string }) => x.name), ['read'], 'JSON answer filtered');
  t.equal(answer.result.nextCursor, 'page2', 'other result fields kept');
  t.equal(Number(list.headers['content-length']), Buffer.byteLength(list.body), 'Content-Length of the filtered body');
  const n = up.requests.length;
  t.equal((await postJson(proxy.endpoint, call(3, 'read'))).status, 200, 'read-only now: allowed');
  t.equal((await postJson(proxy.endpoint, call(4, 'write'))).status, 403);
  t.equal(up.requests.length, n + 1, 'only the allowed call was forwarded');
});

t.test('§10 an SSE list answer is filtered event by event, without holding the stream', async (t) => {
  const { proxy, gate } = await setUp(t);
  const url = new URL(proxy.endpoint);
  const body = JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' });
  const received: string[] = [];
  const done = new Promise<string>((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-test-sse': '1' } }, (res) => {
      t.equal(res.headers['content-type'], 'text/event-stream');
      t.equal(res.headers['content-length'], undefined);
      res.setEncoding('utf8');
      res.on('data', (d: string) => received.push(d));
      res.on('end', () => resolve(received.join('')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
  await waitFor(() => received.join('').includes('"first"'), 5000, 'the first event before the upstream wrote the answer');
  t.ok(gate.release, 'the upstream is still holding its answer');
  gate.release!();
  const all = await done;
  const events = all.split('\n\n').filter((e) => e !== '');
  t.equal(events[0], 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/message","params":{"level":"info","data":"first"}}', 'passed byte for byte');
  const data = JSON.parse(events[1]!.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
  t.strictSame(data.result.tools.map((x: { name: string }) => x.name), ['read'], 'judged with each listed tool\'s own annotations');
  t.match(events[1], /^id: 2\n/, 'the event keeps its id');
});

t.test('§10 non-2xx answers pass as they are; protocol methods pass; methods outside ToolHive\'s map are denied', async (t) => {
  const { up, proxy } = await setUp(t);
  const failed = await postJson(proxy.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'tools/list' }), { 'x-test-status': '500' });
  t.equal(failed.status, 500);
  t.equal(JSON.parse(failed.body).result.tools.length, 3);
  for (const m of ['initialize', 'ping', 'completion/complete', 'logging/setLevel', 'resources/templates/list']) {
    t.equal((await postJson(proxy.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 7, method: m, params: {} }))).status, 200, m);
  }
  t.equal((await postJson(proxy.endpoint, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }))).status, 200);
  t.equal((await postJson(proxy.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 99, result: { content: [] } }))).status, 200, "a client's answer to a server request");
  const before = up.requests.length;
  for (const m of ['tasks/list', 'sampling/createMessage', 'made/up']) {
    const r = await postJson(proxy.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 8, method: m }));
    t.equal(r.status, 403, m);
  }
  t.equal(up.requests.length, before);
});

t.test('§10 without oidc_config the principal is the local user, as in ToolHive', async (t) => {
  const { proxy } = await setUp(t);
  const r = await postJson(proxy.endpoint, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'prompts/get', params: { name: 'any' } }));
  t.equal(r.status, 200, `Client::"${os.userInfo().username}" may get prompts`);
});
