// Tracing's unsampled fast path (src/telemetry/tracing.ts): a new trace is decided before the SDK
// is asked, on the trace id, by the same sampler the SDK is given — so the rate holds, an
// unsampled request still propagates a valid traceparent (flags 00), its webhook calls stay in
// its trace, and a sampled one is an SDK span whose trace id is the one drawn.
import t from 'tap';
import { BasicTracerProvider, ParentBasedSampler, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { PresetTraceIds, RatioSampler, RequestTracer, TracedRequest, UnsampledRequest } from '../../../src/telemetry/tracing.js';
import { toolsCallContext } from '../../helpers/requestContext.js';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-(0[01])$/;

function setup(rate: number): { tracer: RequestTracer; exporter: InMemorySpanExporter } {
  const root = new RatioSampler(rate);
  const ids = new PresetTraceIds();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ sampler: new ParentBasedSampler({ root }), idGenerator: ids, spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const params = { useLegacyAttributes: false, serverName: 's', transport: 'streamable-http', environmentVariables: [] } as unknown as ConstructorParameters<typeof RequestTracer>[1];
  return { tracer: new RequestTracer(provider.getTracer('test'), params, root, ids), exporter };
}

const ctx = toolsCallContext;

t.test('RatioSampler: deterministic per trace id, 0 never, 1 always, the rate in between', async (t) => {
  const never = new RatioSampler(0);
  const always = new RatioSampler(1);
  const tenth = new RatioSampler(0.1);
  t.notOk(never.sampled('f'.repeat(32)));
  t.notOk(never.sampled(`${'0'.repeat(31)}1`));
  t.ok(always.sampled('f'.repeat(32)));
  t.ok(always.sampled('0'.repeat(32)));
  let sampled = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const id = `${'a'.repeat(24)}${((Math.random() * 0x100000000) >>> 0).toString(16).padStart(8, '0')}`;
    if (tenth.sampled(id)) sampled++;
    if (tenth.sampled(id) !== tenth.sampled(id)) t.fail('same id, same decision');
  }
  t.ok(Math.abs(sampled / n - 0.1) < 0.015, `rate 0.1 samples ${((100 * sampled) / n).toFixed(1)} %`);
});

t.test('unsampled: no SDK span, a valid traceparent with flags 00, webhook calls in the same trace', async (t) => {
  const { tracer, exporter } = setup(0);
  const c = ctx();
  const span = tracer.of(c);
  t.ok(span instanceof UnsampledRequest, 'the fast path');
  const m = TRACEPARENT.exec(span.traceparent);
  t.ok(m, `traceparent ${span.traceparent}`);
  t.equal(m?.[3], '00', 'flags: not sampled');
  t.not(m?.[1], '0'.repeat(32));
  t.equal(tracer.of(c), span, 'one per request');
  t.notOk(tracer.recording(c));
  const call = tracer.startCall(c, 'webhook w', {});
  const mc = TRACEPARENT.exec(call.traceparent);
  t.equal(mc?.[1], m?.[1], "a webhook call stays in the request's trace");
  t.not(mc?.[2], m?.[2], 'with its own span id');
  t.equal(mc?.[3], '00');
  tracer.child(c, 'rate-limit check', 1, 2, {}, undefined);
  tracer.end(c, 200);
  t.equal(exporter.getFinishedSpans().length, 0, 'nothing exported');
});

t.test('sampled: an SDK span whose trace id is the one drawn; children under it', async (t) => {
  const { tracer, exporter } = setup(1);
  const c = ctx();
  const span = tracer.of(c);
  t.ok(span instanceof TracedRequest);
  const m = TRACEPARENT.exec(span.traceparent);
  t.equal(m?.[3], '01', 'flags: sampled');
  t.ok(tracer.recording(c));
  tracer.child(c, 'rate-limit check', performance.now() - 1, performance.now(), {}, undefined);
  tracer.end(c, 200);
  const spans = exporter.getFinishedSpans();
  t.equal(spans.length, 2);
  const server = spans.find((s) => s.name.startsWith('tools/call'))!;
  t.equal(server.spanContext().traceId, m?.[1], 'the SDK span carries the traceparent it propagates');
  const child = spans.find((s) => s.name === 'rate-limit check')!;
  t.equal(child.spanContext().traceId, m?.[1]);
  t.equal(child.parentSpanContext?.spanId, server.spanContext().spanId, 'the check is a child of the request span');
});

t.test('a client trace is continued through the SDK, sampled or not, whatever the rate', async (t) => {
  const { tracer } = setup(0);
  const sampledParent = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;
  const s = tracer.of(ctx({ traceparent: sampledParent }));
  t.ok(s instanceof TracedRequest, 'an incoming trace goes through the SDK');
  t.match(s.traceparent, new RegExp(`^00-${'1'.repeat(32)}-[0-9a-f]{16}-01$`), 'sampled parent: continued and sampled at rate 0');
  const unsampledParent = `00-${'3'.repeat(32)}-${'4'.repeat(16)}-00`;
  const u = tracer.of(ctx({ traceparent: unsampledParent }));
  t.match(u.traceparent, new RegExp(`^00-${'3'.repeat(32)}-[0-9a-f]{16}-00$`), 'unsampled parent: same trace, not sampled');
});
