// Telemetry test parts: a parser of Prometheus text exposition (format 0.0.4), and an in-process
// OTLP/HTTP collector that decodes what it receives with the OpenTelemetry project's generated
// protobuf classes (opentelemetry-proto, as shipped in @opentelemetry/otlp-transformer 0.52's
// protobufjs root), not by matching strings.

import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { startInProcess, httpConfig } from './proxy.js';
import { jsonResult, startRawUpstream } from './upstream.js';
import { startRedis } from './redis.js';
import { freePort } from './ports.js';

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` lines: metric family -> type. */
  readonly types: ReadonlyMap<string, string>;
}

function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/y;
  let m: RegExpExecArray | null;
  re.lastIndex = 0;
  while (re.lastIndex < text.length && (m = re.exec(text)) !== null) {
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
  }
  return labels;
}

/** Parse Prometheus text exposition; throws on a line that is neither comment nor sample. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const t = /^# TYPE (\S+) (\S+)$/.exec(line);
      if (t) types.set(t[1]!, t[2]!);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const raw = m[3]!;
    samples.push({ name: m[1]!, labels: parseLabels(m[2] ?? ''), value: raw === '+Inf' ? Infinity : raw === '-Inf' ? -Infinity : Number(raw) });
  }
  return { samples, types };
}

/** The sum of the samples named `name` whose labels include `match`. */
export function valueOf(e: Exposition, name: string, match: Record<string, string> = {}): number {
  return e.samples
    .filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

export async function scrape(url: string): Promise<{ text: string; contentType: string; exposition: Exposition }> {
  const res = await fetch(url);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`scrape ${url}: ${res.status} ${text}`);
  return { text, contentType: res.headers.get('content-type') ?? '', exposition: parseExposition(text) };
}

// -------------------------------------------------------------------------------------------------
// OTLP/HTTP collector

type Root = {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: { decode(b: Uint8Array): unknown; toObject(m: unknown, o: object): unknown } } };
        metrics: { v1: { ExportMetricsServiceRequest: { decode(b: Uint8Array): unknown; toObject(m: unknown, o: object): unknown } } };
      };
    };
  };
};
const require = createRequire(import.meta.url);
const root = require('otlp-transformer-protobufjs/build/src/generated/root.js') as Root;

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** 1 internal, 2 server, 3 client, ... (the proto enum). */
  readonly kind: number;
  readonly attributes: Record<string, string | number | boolean>;
  readonly status: { code?: number; message?: string };
  readonly resource: Record<string, string | number | boolean>;
  readonly startNs: bigint;
  readonly endNs: bigint;
}

export interface ReceivedMetric {
  readonly name: string;
  readonly resource: Record<string, string | number | boolean>;
  readonly raw: Record<string, unknown>;
}

type AnyValue = { stringValue?: string; intValue?: string | number; doubleValue?: number; boolValue?: boolean };
type KeyValue = { key: string; value: AnyValue };

function attrs(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const kv of list ?? []) {
    const v = kv.value;
    out[kv.key] = v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : v.doubleValue ?? v.boolValue ?? '');
  }
  return out;
}

const TO_OBJECT = { longs: String, bytes: String, defaults: false, enums: Number } as const;

export interface Collector {
  /** e.g. 127.0.0.1:4318 — ToolHive's endpoint form. */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  readonly metrics: ReceivedMetric[];
  /** Request headers of every export (for the headers option). */
  readonly headers: http.IncomingHttpHeaders[];
  readonly contentTypes: string[];
  close(): Promise<void>;
}

function hex(b64: string | undefined): string {
  return b64 ? Buffer.from(b64, 'base64').toString('hex') : '';
}

/** An OTLP/HTTP receiver on 127.0.0.1 (https when `tls` is given), answering 200 to every export. */
export async function startCollector(tls?: { key: Buffer; cert: Buffer }): Promise<Collector> {
  const spans: ReceivedSpan[] = [];
  const metrics: ReceivedMetric[] = [];
  const headers: http.IncomingHttpHeaders[] = [];
  const contentTypes: string[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      headers.push(req.headers);
      contentTypes.push(req.headers['content-type'] ?? '');
      const c = root.opentelemetry.proto.collector;
      if (req.url === '/v1/traces') {
        const T = c.trace.v1.ExportTraceServiceRequest;
        const msg = T.toObject(T.decode(body), TO_OBJECT) as { resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: Record<string, unknown>[] }[] }[] };
        for (const rs of msg.resourceSpans ?? []) {
          const resource = attrs(rs.resource?.attributes);
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              spans.push({
                traceId: hex(s.traceId as string),
                spanId: hex(s.spanId as string),
                parentSpanId: hex(s.parentSpanId as string | undefined),
                name: s.name as string,
                kind: (s.kind as number) ?? 0,
                attributes: attrs(s.attributes as KeyValue[]),
                status: (s.status as { code?: number; message?: string }) ?? {},
                resource,
                startNs: BigInt((s.startTimeUnixNano as string) ?? 0),
                endNs: BigInt((s.endTimeUnixNano as string) ?? 0),
              });
            }
          }
        }
      } else if (req.url === '/v1/metrics') {
        const M = c.metrics.v1.ExportMetricsServiceRequest;
        const msg = M.toObject(M.decode(body), TO_OBJECT) as { resourceMetrics?: { resource?: { attributes?: KeyValue[] }; scopeMetrics?: { metrics?: Record<string, unknown>[] }[] }[] };
        for (const rm of msg.resourceMetrics ?? []) {
          const resource = attrs(rm.resource?.attributes);
          for (const sm of rm.scopeMetrics ?? []) for (const m of sm.metrics ?? []) metrics.push({ name: m.name as string, resource, raw: m });
        }
      }
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  };
  const server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    spans,
    metrics,
    headers,
    contentTypes,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The span attributes of a metric's data points (sum or histogram), as plain records. */
export function dataPointAttributes(m: ReceivedMetric): Record<string, string | number | boolean>[] {
  const raw = m.raw as { sum?: { dataPoints?: { attributes?: KeyValue[] }[] }; histogram?: { dataPoints?: { attributes?: KeyValue[] }[] } };
  const points = raw.sum?.dataPoints ?? raw.histogram?.dataPoints ?? [];
  return points.map((p) => attrs(p.attributes));
}

/**
 * A real Redis, a raw upstream answering every call with an empty result, and the proxy in front
 * with `rateLimit` and Prometheus metrics on a port of their own (rate-limit checks bounded at
 * 200 ms, so a killed Redis fails open quickly). Everything stops at the test's teardown.
 */
export async function limitedProxyWithMetrics(t: { teardown(fn: () => unknown): void }, rateLimit: Record<string, unknown>) {
  const redis = await startRedis();
  t.teardown(() => redis.stop());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  const metricsPort = await freePort();
  const proxy = await startInProcess(
    httpConfig(upstream.port, {
      rate_limit_config: rateLimit,
      scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } },
      telemetry_config: { enablePrometheusMetricsPath: true, prometheusPort: metricsPort },
    } as Parameters<typeof httpConfig>[1]),
    { rateLimitTimeoutMs: 200 },
  );
  t.teardown(() => proxy.close(0));
  return { redis, upstream, proxy, metricsPort };
}

/**
 * The proxy in front of `upstreamPort` with the memory store, a large bucket on the tool "search"
 * and Prometheus metrics on a port of its own; stopped at the test's teardown.
 */
export async function memoryProxyWithMetrics(t: { teardown(fn: () => unknown): void }, upstreamPort: number) {
  const metricsPort = await freePort();
  const proxy = await startInProcess(
    httpConfig(upstreamPort, {
      rate_limit_config: { tools: [{ name: 'search', shared: { maxTokens: 10_000, refillPeriod: '1h' } }] },
      telemetry_config: { enablePrometheusMetricsPath: true, prometheusPort: metricsPort },
    }),
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(0));
  return proxy;
}
