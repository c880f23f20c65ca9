// SPEC §12: Prometheus text at /metrics on its own port, with ToolHive's names (as its Go exporter
// writes them: _total, _seconds) and attributes, moving with traffic through the real proxy, a
// real Redis (killed mid-test: fail-open) and a raw upstream.
import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { postJson } from '../helpers/http.js';
import { limitedProxyWithMetrics, memoryProxyWithMetrics, scrape, valueOf } from '../helpers/telemetry.js';

const call = (id: number, tool: string, args: unknown = {}): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } });

t.test('§12 /metrics on its own port: requests, rate-limit decisions with scope, 429s and fail-open with Redis killed', async (t) => {
  const { redis, proxy, metricsPort } = await limitedProxyWithMetrics(t, { shared: { maxTokens: 100, refillPeriod: '1h' }, tools: [{ name: 'search', shared: { maxTokens: 2, refillPeriod: '1h' } }] });
  t.equal(proxy.metricsUrl, `http://127.0.0.1:${metricsPort}/metrics`, 'the listener is on prometheusPort, the proxy host');

  // Before traffic: the families exist only once recorded; the endpoint already answers.
  const empty = await scrape(proxy.metricsUrl!);
  t.match(empty.contentType, /^text\/plain; version=0\.0\.4/);

  const statuses: number[] = [];
  for (let i = 1; i <= 3; i++) statuses.push((await postJson(proxy.url, call(i, 'search', { q: 'x' }), { accept: 'application/json, text/event-stream' })).status);
  statuses.push((await postJson(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'tools/list' }))).status);
  t.strictSame(statuses, [200, 200, 429, 200], 'two allowed, the third limited by tool:search, tools/list not limited');

  await redis.kill();
  for (let i = 20; i < 22; i++) statuses.push((await postJson(proxy.url, call(i, 'search'))).status);
  t.strictSame(statuses.slice(4), [200, 200], 'Redis down: fail-open lets the calls through');

  const { exposition: m, text } = await scrape(proxy.metricsUrl!);
  const rl = { namespace: 'default', server: 'test-server' };
  t.equal(valueOf(m, 'toolhive_rate_limit_decisions_total', { ...rl, decision: 'allowed', scope: 'shared', operation_type: 'server' }), 2, 'allowed: the server bucket, per allowed call');
  t.equal(valueOf(m, 'toolhive_rate_limit_decisions_total', { ...rl, decision: 'allowed', scope: 'shared', operation_type: 'tool' }), 2, 'allowed: the tool bucket');
  t.equal(valueOf(m, 'toolhive_rate_limit_decisions_total', { ...rl, decision: 'rejected', scope: 'shared', operation_type: 'tool' }), 1, 'rejected: only the rejecting bucket (ToolHive)');
  t.equal(valueOf(m, 'toolhive_rate_limit_decisions_total', { decision: 'rejected', operation_type: 'server' }), 0);
  t.equal(valueOf(m, 'toolhive_rate_limit_fail_open_total', rl), 2, 'fail-open counted per request');
  t.equal(valueOf(m, 'toolhive_rate_limit_redis_errors_total', rl), 2, 'every failed check is a Redis error');
  t.ok(m.samples.some((s) => s.name === 'toolhive_rate_limit_redis_errors_total' && ['connection', 'timeout'].includes(s.labels.error_type!)), 'classified as ToolHive does');
  t.equal(valueOf(m, 'toolhive_rate_limit_check_latency_seconds_count', rl), 5, 'every tools/call check timed');

  const req = { server: 'test-server', transport: 'streamable-http', method: 'POST', mcp_method: 'tools/call' };
  t.equal(valueOf(m, 'toolhive_mcp_requests_total', { ...req, status_code: '429', status: 'error', mcp_resource_id: 'search' }), 1, 'the 429');
  t.equal(valueOf(m, 'toolhive_mcp_requests_total', { ...req, status_code: '200', status: 'success' }), 4);
  t.equal(valueOf(m, 'toolhive_mcp_requests_total', { mcp_method: 'tools/list' }), 1);
  t.equal(valueOf(m, 'toolhive_mcp_request_duration_seconds_count', {}), 6, 'one duration per request');
  t.equal(valueOf(m, 'toolhive_mcp_request_duration_seconds_bucket', { le: '+Inf' }), 6);
  t.equal(valueOf(m, 'toolhive_mcp_tool_calls_total', { server: 'test-server', tool: 'search', status: 'success' }), 4);
  t.equal(valueOf(m, 'toolhive_mcp_tool_calls_total', { tool: 'search', status: 'error' }), 1);
  t.equal(valueOf(m, 'mcp_server_operation_duration_seconds_count', { 'mcp_method_name': 'tools/call', gen_ai_operation_name: 'execute_tool', gen_ai_tool_name: 'search' }), 5);
  t.equal(valueOf(m, 'toolhive_mcp_active_connections', { server: 'test-server' }), 0, 'every request ended');
  t.equal(m.types.get('toolhive_mcp_requests_total'), 'counter');
  t.equal(m.types.get('toolhive_mcp_request_duration_seconds'), 'histogram');
  t.equal(m.types.get('toolhive_mcp_active_connections'), 'gauge');
  t.equal(m.types.get('toolhive_rate_limit_check_latency_seconds'), 'histogram');
  t.ok(m.samples.some((s) => s.name === 'toolhive_mcp_request_duration_seconds_bucket' && s.labels.le === '0.01'), "ToolHive's MCP semconv buckets");
  t.ok(m.samples.some((s) => s.name === 'target_info' && s.labels.service_name === 'thv-test-server'), 'service.name defaults to thv-<name>');
  t.notMatch(text, /"q"|\bx\b.*arguments/, 'no argument value in any label');

  const other = await fetch(`http://127.0.0.1:${metricsPort}/mcp`);
  t.equal(other.status, 404, 'the metrics listener serves nothing else');
  const onProxy = await fetch(`${proxy.url}/metrics`);
  t.not(onProxy.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8', 'the proxy port does not serve metrics');
});

t.test('§12 a client calling 1000 made-up tools creates a bounded number of series', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { isError: true, content: [] }));
  t.teardown(() => upstream.close());
  const proxy = await memoryProxyWithMetrics(t, upstream.port);
  const seriesCount = async (): Promise<number> => (await scrape(proxy.metricsUrl!)).exposition.samples.length;
  await postJson(proxy.url, call(0, 'search'));
  for (let i = 1; i <= 500; i++) await postJson(proxy.url, call(i, `made-up-${i}-${'z'.repeat(i % 7)}`));
  const afterHalf = await seriesCount();
  for (let i = 501; i <= 1000; i++) await postJson(proxy.url, call(i, `made-up-${i}-${'z'.repeat(i % 7)}`));
  for (let i = 0; i < 50; i++) await postJson(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: i, method: `x/made-up-method-${i}` }));
  await postJson(proxy.url, call(2000, 'made-up-last'));

  const { exposition: m } = await scrape(proxy.metricsUrl!);
  const methodSeries = m.samples.filter((s) => s.labels.mcp_method === '_other' || s.labels.mcp_method_name === '_other').length;
  t.equal(m.samples.length - methodSeries, afterHalf, `500 more made-up tools added no series (${afterHalf} in all)`);
  const tools = new Set(m.samples.filter((s) => s.name === 'toolhive_mcp_tool_calls_total').map((s) => s.labels.tool));
  t.ok(tools.has('search'), 'the configured tool keeps its own value');
  t.ok(tools.has('_other'), 'unknown names past the cap collapse into _other');
  t.ok(tools.size <= 1 + 64 + 1, `at most configured + 64 observed + _other tool values (got ${tools.size})`);
  t.equal(valueOf(m, 'toolhive_mcp_tool_calls_total', {}), 1002, 'every call is still counted');
  const methods = new Set(m.samples.filter((s) => s.name === 'toolhive_mcp_requests_total').map((s) => s.labels.mcp_method));
  t.strictSame([...methods].sort(), ['_other', 'tools/call'], 'methods outside MCP collapse too');
});
