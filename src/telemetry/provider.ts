// The OpenTelemetry SDK wired from compiled TelemetryParams (config.ts): a MeterProvider with the
// Prometheus pull reader and/or an OTLP push reader, a TracerProvider with a parent-based ratio
// sampler and a batching OTLP exporter, one resource for both. Nothing global is registered (no
// context manager, no global providers): the proxy passes what it built to whoever records.

import type { Tracer } from '@opentelemetry/api';
import { Aggregates } from './aggregate.js';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricReader } from '@opentelemetry/sdk-metrics';
import { BasicTracerProvider, BatchSpanProcessor, ParentBasedSampler } from '@opentelemetry/sdk-trace-base';
import { PresetTraceIds, RatioSampler } from './tracing.js';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { OtlpParams, TelemetryParams } from './config.js';
import { MetricsServer, PrometheusReader } from './prometheus.js';

/** OTEL_METRIC_EXPORT_INTERVAL (ms), the SDK's default 60 s when unset or bad. */
function exportIntervalMs(env: NodeJS.ProcessEnv): number {
  const n = Number(env.OTEL_METRIC_EXPORT_INTERVAL);
  return Number.isFinite(n) && n > 0 ? n : 60_000;
}

function exporterOptions(o: OtlpParams, url: string): ConstructorParameters<typeof OTLPTraceExporter>[0] {
  return { url, headers: { ...o.headers }, ...(o.ca ? { httpAgentOptions: { ca: o.ca } } : {}) };
}

/** OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME, then the config's own (which win). */
function resource(p: TelemetryParams): Resource {
  const fromEnv = detectResources({ detectors: [envDetector] });
  return fromEnv.merge(resourceFromAttributes({ ...p.customAttributes, [ATTR_SERVICE_NAME]: p.serviceName, [ATTR_SERVICE_VERSION]: p.serviceVersion }));
}

export class TelemetryProviders {
  readonly meterProvider: MeterProvider;
  /** Where the instruments aggregate; every reader collects from it. */
  readonly aggregates: Aggregates;
  /** Some reader collects the metrics (Prometheus, OTLP); with none, recording them is wasted. */
  readonly metricsRead: boolean;
  readonly tracerProvider: BasicTracerProvider | null;
  /** The root sampler and id generator the tracer provider uses (RequestTracer's fast path shares them). */
  readonly rootSampler: RatioSampler | null = null;
  readonly traceIds = new PresetTraceIds();
  readonly metricsServer: MetricsServer | null;

  constructor(p: TelemetryParams, env: NodeJS.ProcessEnv = process.env) {
    const res = resource(p);
    this.aggregates = new Aggregates(res);
    const metricProducers = [this.aggregates];
    const readers: MetricReader[] = [];
    let prometheus: PrometheusReader | null = null;
    if (p.prometheus !== null) {
      prometheus = new PrometheusReader(metricProducers);
      readers.push(prometheus);
    }
    if (p.otlp?.metricsUrl !== undefined) {
      const exporter = new OTLPMetricExporter(exporterOptions(p.otlp, p.otlp.metricsUrl));
      readers.push(new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: exportIntervalMs(env), metricProducers }));
    }
    this.metricsRead = readers.length > 0;
    this.meterProvider = new MeterProvider({ resource: res, readers });
    this.metricsServer = prometheus !== null && p.prometheus !== null ? new MetricsServer(prometheus, p.prometheus.host, p.prometheus.port) : null;
    if (p.otlp?.tracesUrl !== undefined && p.samplingRate !== null) {
      // Parent-based, as ToolHive: a client's sampled trace is always continued; new traces at the
      // rate, decided on the trace id (RatioSampler), which RequestTracer decides first for new traces.
      this.rootSampler = new RatioSampler(p.samplingRate);
      this.tracerProvider = new BasicTracerProvider({
        resource: res,
        sampler: new ParentBasedSampler({ root: this.rootSampler }),
        idGenerator: this.traceIds,
        // The batch processor reads OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE, ... itself.
        spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(exporterOptions(p.otlp, p.otlp.tracesUrl)))],
      });
    } else {
      this.tracerProvider = null;
    }
  }

  tracer(scope: string): Tracer | null {
    return this.tracerProvider?.getTracer(scope) ?? null;
  }

  /** Export what is pending (spans in the batch, the last metric interval), then stop. */
  async shutdown(): Promise<void> {
    await Promise.allSettled([this.tracerProvider?.shutdown(), this.meterProvider.shutdown(), this.metricsServer?.close()]);
  }
}
