// §12: metrics are aggregated only when something reads them (Prometheus or OTLP metrics). With
// tracing alone (metricsEnabled false, no Prometheus) a request records no metric at all — the
// attribute-set lookups and sums were pure cost — while its span is still traced.
import t from 'tap';
import { Telemetry } from '../../../src/telemetry/telemetry.js';
import type { TelemetryParams } from '../../../src/telemetry/config.js';
import type { RequestContext } from '../../../src/chain/types.js';
import { toolsCallContext } from '../../helpers/requestContext.js';

function params(metrics: boolean): TelemetryParams {
  return {
    serverName: 's',
    transport: 'streamable-http',
    namespace: 'ns',
    serviceName: 'thv-proxy',
    serviceVersion: '0',
    customAttributes: {},
    // A Prometheus reader (never started here: no listener), or none.
    prometheus: metrics ? { host: '127.0.0.1', port: 0 } : null,
    otlp: { tracesUrl: 'http://127.0.0.1:9/v1/traces', metricsUrl: undefined, headers: {}, ca: undefined, display: 'http://127.0.0.1:9' },
    samplingRate: 0,
    useLegacyAttributes: false,
    environmentVariables: [],
    knownTools: ['echo'],
  };
}

const ctx = toolsCallContext;

async function recordedNames(telemetry: Telemetry): Promise<string[]> {
  const { resourceMetrics } = await telemetry.providers.aggregates.collect();
  return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name)).sort();
}

function oneRequest(telemetry: Telemetry, c: RequestContext): void {
  telemetry.requestStarted();
  telemetry.forwarding(c);
  telemetry.rateLimitChecked(c, { outcome: 'allowed', buckets: [{ scope: 'shared' }, { scope: 'tool:echo' }], rejectedScope: undefined, error: undefined, startMs: 1, endMs: 2 });
  telemetry.requestEnded(c, 200);
}

t.test('§12 tracing only: the request is traced, no metric is aggregated', async (t) => {
  const telemetry = new Telemetry(params(false), { authenticates: false, env: {} });
  t.teardown(() => telemetry.shutdown());
  const c = ctx();
  oneRequest(telemetry, c);
  t.match((c.span as { traceparent?: string } | null)?.traceparent, /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/, 'the span still propagates (unsampled at rate 0)');
  t.strictSame(await recordedNames(telemetry), [], 'nothing aggregated that nobody reads');
});

t.test('§12 Prometheus on: the same request is counted', async (t) => {
  const telemetry = new Telemetry(params(true), { authenticates: false, env: {} });
  t.teardown(() => telemetry.shutdown());
  oneRequest(telemetry, ctx());
  const names = await recordedNames(telemetry);
  t.ok(names.length > 0, `metrics aggregated: ${names.join(', ')}`);
  t.ok(names.some((n) => /request/.test(n)), 'the request counter among them');
  t.ok(names.some((n) => /rate_limit/.test(n)), 'and the rate-limit instruments');
});
