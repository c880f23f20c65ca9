// Regression (SPEC §12: "unknown names collapse into one value"): metric labels admitted the first
// 64 tool names any client called, made-up or not. A client calling made-up tools got a series for
// each of its first 64 names — and once it had filled those 64 slots, the server's real tools,
// called later, were all counted as `_other`: one client could blind the per-tool dashboards.
// Now a tool (prompt, resource) name has its own value only when the config names it or the
// upstream announced it in a list answer; every other name is `_other` from the first call.
import t, { type Test } from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { postJson } from '../helpers/http.js';
import { memoryProxyWithMetrics, scrape } from '../helpers/telemetry.js';

const call = (id: number, tool: string): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: {} } });

async function proxyAnswering(t: Test, listAsSse: boolean) {
  const upstream = await startRawUpstream((req, res, body) => {
    const msg = JSON.parse(body.toString()) as { id: number; method: string };
    if (msg.method !== 'tools/list') return jsonResult(res, body, { content: [] });
    const text = JSON.stringify({ jsonrpc: '2.0', id: msg.id, result: { tools: [{ name: 'alpha', inputSchema: {} }, { name: 'beta', inputSchema: {} }] } });
    if (!listAsSse) return jsonResult(res, body, JSON.parse(text).result);
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.end(`event: message\ndata: ${text}\n\n`);
  });
  t.teardown(() => upstream.close());
  const proxy = await memoryProxyWithMetrics(t, upstream.port);
  return proxy;
}

async function toolValues(metricsUrl: string): Promise<Map<string, number>> {
  const { exposition } = await scrape(metricsUrl);
  const values = new Map<string, number>();
  for (const s of exposition.samples) {
    if (s.name === 'toolhive_mcp_tool_calls_total') values.set(s.labels.tool!, (values.get(s.labels.tool!) ?? 0) + s.value);
  }
  return values;
}

for (const sse of [false, true]) {
  t.test(`made-up names are _other from the first call; listed ones (${sse ? 'SSE' : 'JSON'} list answer) keep their own`, async (t) => {
    const proxy = await proxyAnswering(t, sse);
    let id = 0;
    for (let i = 0; i < 100; i++) await postJson(proxy.url, call(++id, `made-up-${i}`));
    await postJson(proxy.url, call(++id, 'alpha'));
    t.strictSame([...(await toolValues(proxy.metricsUrl!))], [['_other', 101]], 'before any list: every unconfigured name is _other');

    const listed = await postJson(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: ++id, method: 'tools/list' }));
    t.equal(listed.status, 200);
    t.match(listed.body, /"alpha".*"beta"/s, 'the list answer reaches the client whole');
    await postJson(proxy.url, call(++id, 'alpha'));
    await postJson(proxy.url, call(++id, 'beta'));
    await postJson(proxy.url, call(++id, 'search'));
    await postJson(proxy.url, call(++id, 'made-up-0'));
    const values = await toolValues(proxy.metricsUrl!);
    t.equal(values.get('alpha'), 1, 'a listed tool has its own value, whatever was called before');
    t.equal(values.get('beta'), 1);
    t.equal(values.get('search'), 1, 'a configured tool has its own value');
    t.equal(values.get('_other'), 102, 'made-up names stay _other');
    t.equal(values.size, 4);
  });
}
