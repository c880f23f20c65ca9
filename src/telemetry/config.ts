// The compile step of telemetry_config (SPEC §12, ToolHive's telemetry.Config): every value is
// read and checked once, at load, with its JSON pointer — the endpoint, the sampling rate, the
// CA bundle (read and parsed here), the Prometheus port — so `validate` refuses what `run` could
// not use, and the provider (provider.ts) only builds.

import type { Report } from '../chain/stage.js';
import type { ProxyConfig, TelemetryConfigFile } from '../config/types.js';
import { readCaBundle } from '../config/tlsFiles.js';
import { packageVersion } from '../version.js';

/** SPEC §12: the /metrics listener's port when prometheusPort is 0 or absent. */
export const DEFAULT_PROMETHEUS_PORT = 9090;
/** ToolHive's default sampling rate (its kubebuilder default "0.05"). */
export const DEFAULT_SAMPLING_RATE = 0.05;

export interface OtlpParams {
  /** Full URLs, e.g. https://collector:4318/v1/traces; undefined when that signal is not exported. */
  readonly tracesUrl: string | undefined;
  readonly metricsUrl: string | undefined;
  /** Sent with every export; never logged or printed. */
  readonly headers: Readonly<Record<string, string>>;
  /** PEM CA bundle for an https endpoint (caCertPath), read at load. */
  readonly ca: Buffer | undefined;
  /** What `validate` prints: the base URL, no header values. */
  readonly display: string;
}

export interface TelemetryParams {
  readonly serverName: string;
  readonly transport: string;
  /** rate_limit_namespace: an attribute of the rate-limit instruments (as ToolHive's). */
  readonly namespace: string;
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly customAttributes: Readonly<Record<string, string>>;
  /** Listen address of /metrics, or null when enablePrometheusMetricsPath is off. */
  readonly prometheus: { readonly host: string; readonly port: number } | null;
  /** OTLP export, or null when there is no endpoint. */
  readonly otlp: OtlpParams | null;
  /** Trace sampling ratio when traces are exported, else null (no tracer at all). */
  readonly samplingRate: number | null;
  readonly useLegacyAttributes: boolean;
  /** environmentVariables: names whose values go on every request span. */
  readonly environmentVariables: readonly string[];
  /** Tools named in the config: always their own metric label value (labels.ts). */
  readonly knownTools: readonly string[];
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** `host[:port]` (ToolHive's form) or an http(s) URL -> base URL without trailing slash; null if bad. */
function endpointBase(endpoint: string, insecure: boolean): { base: string; schemeClash: boolean } | null {
  const m = /^(https?):\/\//i.exec(endpoint);
  // As ToolHive (splitEndpointPath): a scheme is stripped; `insecure` picks http or https.
  const scheme = insecure ? 'http' : 'https';
  const rest = m ? endpoint.slice(m[0].length) : endpoint;
  let url: URL;
  try {
    url = new URL(`${scheme}://${rest}`);
  } catch {
    return null;
  }
  if (url.hostname === '' || url.search !== '' || url.hash !== '' || url.username !== '' || rest.includes('@')) return null;
  const path = url.pathname.replace(/\/+$/, '');
  return { base: `${url.protocol}//${url.host}${path}`, schemeClash: m !== null && m[1]!.toLowerCase() !== scheme };
}

function samplingRate(raw: string | number | undefined, pointer: string, report: Report): number {
  if (raw === undefined || raw === '') return DEFAULT_SAMPLING_RATE;
  const n = typeof raw === 'number' ? raw : /^\s*[0-9.eE+-]+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(n) || n < 0 || n > 1) {
    report(pointer, `expected a number between 0 and 1 (e.g. "0.05"), got ${JSON.stringify(raw)}`);
    return DEFAULT_SAMPLING_RATE;
  }
  return n;
}


function headers(raw: Record<string, string> | undefined, pointer: string, report: Report): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw ?? {})) {
    if (!HEADER_NAME.test(name)) report(`${pointer}/${name}`, 'not a valid HTTP header name');
    else if (/[\r\n\0]/.test(value)) report(`${pointer}/${name}`, 'a header value may not contain CR, LF or NUL');
    else out[name.toLowerCase()] = value;
  }
  return out;
}

/** Compile telemetry_config; null when absent or when it turns nothing on (with a warning). */
export function compileTelemetry(config: ProxyConfig, report: Report): TelemetryParams | null {
  const t: TelemetryConfigFile | null | undefined = config.telemetry;
  if (t === null || t === undefined) return null;
  const at = '/telemetry_config';
  const tracing = t.tracingEnabled === true;
  const metrics = t.metricsEnabled === true;
  const prometheusOn = t.enablePrometheusMetricsPath === true;

  let otlp: OtlpParams | null = null;
  if (t.endpoint !== undefined && t.endpoint !== '') {
    const parsed = endpointBase(t.endpoint.trim(), t.insecure === true);
    if (parsed === null) {
      report(`${at}/endpoint`, `cannot read ${JSON.stringify(t.endpoint)} as host[:port] or an http(s) URL without query or credentials`);
    } else if (!tracing && !metrics) {
      // ToolHive refuses to start with this (validateOtelConfig).
      report(`${at}/endpoint`, 'an OTLP endpoint is set but tracingEnabled and metricsEnabled are both false: enable one, or remove the endpoint');
    } else {
      if (parsed.schemeClash) {
        report(`${at}/endpoint`, `the scheme of ${JSON.stringify(t.endpoint)} is not used: insecure is ${t.insecure === true}, so thv-proxy (like ToolHive) speaks ${t.insecure === true ? 'http' : 'https'}`, 'warning');
      }
      const ca = t.caCertPath === undefined ? undefined : readCaBundle({ path: t.caCertPath, pointer: `${at}/caCertPath` }, report);
      otlp = {
        tracesUrl: tracing ? `${parsed.base}/v1/traces` : undefined,
        metricsUrl: metrics ? `${parsed.base}/v1/metrics` : undefined,
        headers: headers(t.headers, `${at}/headers`, report),
        ca,
        display: parsed.base,
      };
    }
  } else if (tracing || metrics) {
    report(at, `${tracing ? 'tracingEnabled' : 'metricsEnabled'} is true but no endpoint is set: nothing is exported over OTLP`, 'warning');
  }
  const rate = samplingRate(t.samplingRate, `${at}/samplingRate`, report);

  let prometheus: TelemetryParams['prometheus'] = null;
  if (prometheusOn) {
    const port = t.prometheusPort === undefined || t.prometheusPort === 0 ? DEFAULT_PROMETHEUS_PORT : t.prometheusPort;
    if (port === config.port) report(`${at}/prometheusPort`, `port ${port} is the proxy's own port; /metrics needs a port of its own`);
    prometheus = { host: config.host, port };
  }
  if (t.metricsOnTransportPort === true) {
    report(`${at}/metricsOnTransportPort`, `thv-proxy serves /metrics only on its own port${prometheus ? ` (${prometheus.port})` : ''}, never on the proxy's port`, 'warning');
  }
  if (prometheus === null && otlp === null) {
    report(at, 'turns nothing on (no enablePrometheusMetricsPath, no endpoint with tracingEnabled or metricsEnabled): no telemetry', 'warning');
    return null;
  }
  const tools = config.rateLimit ? [...config.rateLimit.tools.keys()] : [];
  return {
    serverName: config.name,
    transport: config.transport,
    namespace: config.rateLimit?.namespace ?? 'default',
    serviceName: t.serviceName || `thv-${config.name}`,
    serviceVersion: t.serviceVersion || packageVersion(),
    customAttributes: { ...t.customAttributes },
    prometheus,
    otlp,
    samplingRate: otlp?.tracesUrl !== undefined ? rate : null,
    useLegacyAttributes: t.useLegacyAttributes ?? true,
    environmentVariables: [...(t.environmentVariables ?? [])],
    knownTools: tools,
  };
}

/** What `validate` prints for telemetry: where each signal goes. */
export function telemetrySummary(p: TelemetryParams): string {
  const parts: string[] = [];
  if (p.prometheus) parts.push(`metrics at http://${p.prometheus.host.includes(':') ? `[${p.prometheus.host}]` : p.prometheus.host}:${p.prometheus.port}/metrics`);
  if (p.otlp?.metricsUrl) parts.push(`OTLP metrics to ${p.otlp.metricsUrl}`);
  if (p.otlp?.tracesUrl) parts.push(`OTLP traces to ${p.otlp.tracesUrl} (sampling ${p.samplingRate})`);
  if (p.otlp && Object.keys(p.otlp.headers).length > 0) parts.push(`OTLP headers ${Object.keys(p.otlp.headers).join(', ')}`);
  parts.push(`service ${p.serviceName} ${p.serviceVersion}`);
  return parts.join('; ');
}
