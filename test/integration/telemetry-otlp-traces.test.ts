// SPEC §12: OTLP/HTTP export (protobuf, decoded with the OpenTelemetry proto classes) to an https
// collector trusted through caCertPath: one server span per request named `<method> <target>`
// continuing the client's traceparent, child spans for the rate-limit check and the webhook call,
// the proxy's own traceparent reaching a raw upstream and an https webhook; no token, argument or
// secret in any attribute; pending spans and metrics flushed when the proxy closes.
import t from 'tap';
import { startInProcess, httpConfig } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { startWebhookServer } from '../helpers/webhookServer.js';
import { testCerts } from '../helpers/certs.js';
import { send } from '../helpers/http.js';
import { dataPointAttributes, startCollector, type ReceivedSpan } from '../helpers/telemetry.js';

const SECRET = 'sup3r-s3cret-value';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';

function traceparentParts(v: unknown): { traceId: string; parentId: string; flags: string } {
  const m = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(String(v));
  if (!m) throw new Error(`not a traceparent: ${String(v)}`);
  return { traceId: m[1]!, parentId: m[2]!, flags: m[3]! };
}

t.test('§12 spans over OTLP/HTTP: names, parent/child, traceparent to upstream and webhook, no secrets', async (t) => {
  const certs = testCerts();
  const collector = await startCollector({ key: certs.read(certs.serverKey), cert: certs.read(certs.serverCert) });
  t.teardown(() => collector.close());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [{ type: 'text', text: 'ok' }] }));
  t.teardown(() => upstream.close());
  const webhook = await startWebhookServer({ tls: 'ca', behaviour: 'allow' });
  t.teardown(() => webhook.close());

  const proxy = await startInProcess(
    httpConfig(upstream.port, {
      rate_limit_config: { tools: [{ name: 'search', shared: { maxTokens: 10, refillPeriod: '1m' } }] },
      validating_webhooks: [{ name: 'policy', url: webhook.url, failure_policy: 'fail', tls_config: { ca_bundle_path: certs.caCert } }],
      telemetry_config: {
        endpoint: collector.endpoint, // ToolHive's host:port form: https unless insecure
        caCertPath: certs.caCert,
        tracingEnabled: true,
        metricsEnabled: true,
        samplingRate: '1.0',
        headers: { 'x-collector-key': 'collector-token-123' },
        serviceName: 'search-proxy',
        customAttributes: { 'deployment.environment': 'test' },
      },
    }),
    { store: 'memory' },
  );
  let closed = false;
  t.teardown(() => (closed ? undefined : proxy.close(0)));

  const body = JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'search', arguments: { password: SECRET, q: SECRET } } });
  const res = await send(proxy.url, {
    path: `/mcp?access_token=${SECRET}`,
    body,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${SECRET}`,
      traceparent: `00-${TRACE_ID}-${CLIENT_SPAN}-01`,
      'mcp-session-id': SECRET,
    },
  });
  t.equal(res.status, 200);
  // A second call without a client trace: a new trace (sampling rate 1).
  const second = await send(proxy.url, { body: JSON.stringify({ jsonrpc: '2.0', id: 8, method: 'tools/list' }), headers: { 'content-type': 'application/json', accept: 'application/json' } });
  t.equal(second.status, 200);

  await proxy.close(1000); // flushes the batch span processor and the last metric interval
  closed = true;

  const byName = (name: string): ReceivedSpan[] => collector.spans.filter((s) => s.name === name);
  const [server] = byName('tools/call search');
  t.ok(server, `a server span named "tools/call search" (got ${collector.spans.map((s) => s.name).join(', ')})`);
  if (!server) return;
  t.equal(server.kind, 2, 'SPAN_KIND_SERVER');
  t.equal(server.traceId, TRACE_ID, "continues the client's trace");
  t.equal(server.parentSpanId, CLIENT_SPAN, "child of the client's span");
  t.equal(server.attributes['mcp.method.name'], 'tools/call');
  t.equal(server.attributes['gen_ai.tool.name'], 'search');
  t.equal(server.attributes['gen_ai.operation.name'], 'execute_tool');
  t.equal(server.attributes['jsonrpc.request.id'], '7');
  t.equal(server.attributes['http.response.status_code'], 200);
  t.equal(server.attributes['mcp.server.name'], 'test-server');
  t.equal(server.attributes['url.path'], '/mcp');
  t.equal(server.attributes['rate_limit.decision'], 'allowed');
  t.equal(server.attributes['mcp.method'], 'tools/call', 'ToolHive legacy names too (useLegacyAttributes default true)');
  t.equal(server.resource['service.name'], 'search-proxy');
  t.equal(server.resource['deployment.environment'], 'test');
  t.ok(server.endNs > server.startNs);

  const [check] = byName('rate-limit check');
  t.ok(check, 'a child span for the rate-limit check');
  t.equal(check?.parentSpanId, server.spanId);
  t.equal(check?.traceId, TRACE_ID);
  t.equal(check?.kind, 3, 'SPAN_KIND_CLIENT');
  const [hook] = byName('webhook policy');
  t.ok(hook, 'a child span for the webhook call');
  t.equal(hook?.parentSpanId, server.spanId);
  t.equal(hook?.attributes['thv.webhook.decision'], 'allowed');

  const upstreamCall = upstream.requests.find((r) => r.body.toString().includes('"id":7'))!;
  const up = traceparentParts(upstreamCall.headers.traceparent);
  t.equal(up.traceId, TRACE_ID, 'the upstream sees the same trace');
  t.equal(up.parentId, server.spanId, "the upstream's parent is the proxy's span, not the client's");
  t.equal(up.flags, '01');
  const wh = traceparentParts(webhook.calls[0]!.headers.traceparent);
  t.equal(wh.traceId, TRACE_ID, 'the webhook sees the same trace');
  t.equal(wh.parentId, hook?.spanId, "the webhook's parent is the webhook call's span");

  const [list] = byName('tools/list');
  t.ok(list, 'the second request has its own span');
  t.not(list?.traceId, TRACE_ID, 'a new trace when the client sent none');
  t.equal(list?.parentSpanId, '', 'a root span');

  const everything = JSON.stringify(collector.spans.map((s) => [s.name, s.attributes, s.resource]));
  t.notMatch(everything, new RegExp(SECRET), 'no token, argument, query or session id in any span');
  t.equal(collector.headers[0]?.['x-collector-key'], 'collector-token-123', 'the configured headers reach the collector');
  t.ok(collector.contentTypes.every((c) => c === 'application/x-protobuf'), 'OTLP/HTTP protobuf');

  const requests = collector.metrics.filter((m) => m.name === 'toolhive_mcp_requests');
  t.ok(requests.length > 0, 'OTLP metrics exported at close');
  const points = requests.flatMap(dataPointAttributes);
  t.ok(points.some((p) => p.mcp_method === 'tools/call' && p.mcp_resource_id === 'search' && p.status_code === '200'), 'with ToolHive attributes');
  t.notMatch(JSON.stringify(collector.metrics.map((m) => m.raw)), new RegExp(SECRET), 'no secret in any metric');
});

t.test('§12 an unsampled request still propagates its (unsampled) trace upstream; no span exported', async (t) => {
  const collector = await startCollector();
  t.teardown(() => collector.close());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, {}));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(
    httpConfig(upstream.port, { telemetry_config: { endpoint: `http://${collector.endpoint}`, insecure: true, tracingEnabled: true, samplingRate: '0' } }),
  );
  const res = await send(proxy.url, { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), headers: { 'content-type': 'application/json', accept: 'application/json' } });
  t.equal(res.status, 200);
  await proxy.close(1000);
  const up = traceparentParts(upstream.requests[0]!.headers.traceparent);
  t.equal(up.flags, '00', 'not sampled, and the upstream is told so');
  t.equal(collector.spans.length, 0, 'nothing exported at rate 0');
});

t.test('§12 without telemetry_config: no listener, no span; the client\'s traceparent passes through untouched', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, {}));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(0));
  t.equal(proxy.metricsUrl, null);
  const traceparent = `00-${TRACE_ID}-${CLIENT_SPAN}-01`;
  await send(proxy.url, { body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), headers: { 'content-type': 'application/json', accept: 'application/json', traceparent } });
  t.equal(upstream.requests[0]!.headers.traceparent, traceparent);
});
