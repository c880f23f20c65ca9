// Prometheus text exposition at /metrics on a listener of its own (SPEC §12; ToolHive serves it
// on a diagnostics port so a NetworkPolicy can keep scrapers and MCP clients apart). A pull
// reader: metrics are aggregated by the SDK as requests happen and serialised only when scraped.
//
// Names match what ToolHive's Go exporter writes, so one dashboard serves a mixed fleet: the SDK's
// serializer adds `_total` to counters; Go's exporter also appends the unit (`s` -> `_seconds`),
// which the JS serializer does not, so the reader renames before serialising
// (toolhive_mcp_request_duration -> toolhive_mcp_request_duration_seconds).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { AggregationTemporality, MetricReader, type MetricProducer, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { ThvError } from '../errors.js';

const UNIT_SUFFIX: Readonly<Record<string, string>> = { s: '_seconds', ms: '_milliseconds', By: '_bytes' };

/** Go's exporter's names: the unit's suffix appended once (dots become underscores later). */
function withUnitSuffixes(rm: ResourceMetrics): ResourceMetrics {
  return {
    resource: rm.resource,
    scopeMetrics: rm.scopeMetrics.map((sm) => ({
      scope: sm.scope,
      metrics: sm.metrics.map((m) => {
        const suffix = UNIT_SUFFIX[m.descriptor.unit];
        if (suffix === undefined || m.descriptor.name.replace(/\./g, '_').endsWith(suffix)) return m;
        return { ...m, descriptor: { ...m.descriptor, name: `${m.descriptor.name}${suffix}` } };
      }),
    })),
  };
}

export class PrometheusReader extends MetricReader {
  readonly #serializer = new PrometheusSerializer();

  constructor(metricProducers: MetricProducer[]) {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE, metricProducers });
  }

  /** The current exposition text. */
  async text(): Promise<string> {
    const { resourceMetrics, errors } = await this.collect();
    if (errors.length > 0) throw errors[0];
    return this.#serializer.serialize(withUnitSuffixes(resourceMetrics));
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }

  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The /metrics listener: GET /metrics answers the exposition, everything else 404. */
export class MetricsServer {
  readonly #server: http.Server;
  readonly #host: string;
  readonly #port: number;

  constructor(reader: PrometheusReader, host: string, port: number) {
    this.#host = host;
    this.#port = port;
    this.#server = http.createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
        return;
      }
      reader.text().then(
        (text) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : text),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`collecting metrics failed: ${(err as Error).message}\n`),
      );
    });
  }

  /** Listen; rejects with a ThvError (exit 3) when the port is taken. Resolves to the URL. */
  listen(): Promise<string> {
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        const what = err.code === 'EADDRINUSE' ? 'is already in use' : `cannot be listened on (${err.code ?? err.message})`;
        reject(new ThvError('THV_ERR_PORT_IN_USE', `metrics port ${this.#port} on ${this.#host} ${what} (telemetry_config.prometheusPort)`, undefined, { cause: err }));
      };
      this.#server.once('error', onError);
      this.#server.listen({ host: this.#host, port: this.#port }, () => {
        this.#server.removeListener('error', onError);
        const { port } = this.#server.address() as AddressInfo;
        const host = this.#host.includes(':') ? `[${this.#host}]` : this.#host;
        resolve(`http://${host}:${port}/metrics`);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }
}
