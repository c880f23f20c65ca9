// SPEC §2/§12: telemetry_config and audit_config are judged at load, with JSON pointers; a setting
// that does nothing is a warning; what `validate` accepts, `run` can build.
import t from 'tap';
import { mkdtempSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfig, load, problems } from '../config/helpers.js';
import { planChain } from '../../../src/chain/plan.js';
import { testCerts } from '../../helpers/certs.js';

function withTelemetry(telemetry_config: unknown): Record<string, unknown> {
  return { ...baseConfig(), telemetry_config };
}

t.test('§12 telemetry_config: each bad value is one error at its pointer', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thv-tel-'));
  const notPem = join(dir, 'ca.pem');
  writeFileSync(notPem, 'hello');
  const rows: [unknown, string][] = [
    [{ endpoint: 'http://user:pw@collector:4318', tracingEnabled: true }, '/telemetry_config/endpoint: cannot read "http://user:pw@collector:4318" as host[:port] or an http(s) URL without query or credentials'],
    [{ endpoint: 'collector:4318' }, '/telemetry_config/endpoint: an OTLP endpoint is set but tracingEnabled and metricsEnabled are both false: enable one, or remove the endpoint'],
    [{ endpoint: 'collector:4318', tracingEnabled: true, samplingRate: '1.5' }, '/telemetry_config/samplingRate: expected a number between 0 and 1 (e.g. "0.05"), got "1.5"'],
    [{ endpoint: 'collector:4318', tracingEnabled: true, samplingRate: 'often' }, '/telemetry_config/samplingRate: expected a number between 0 and 1 (e.g. "0.05"), got "often"'],
    [{ endpoint: 'collector:4318', metricsEnabled: true, caCertPath: join(dir, 'missing.pem') }, `/telemetry_config/caCertPath: cannot read "${join(dir, 'missing.pem')}"`],
    [{ endpoint: 'collector:4318', metricsEnabled: true, caCertPath: notPem }, `/telemetry_config/caCertPath: "${notPem}" is not a PEM CA bundle`],
    [{ endpoint: 'collector:4318', metricsEnabled: true, headers: { 'bad header': 'x' } }, '/telemetry_config/headers/bad header: not a valid HTTP header name'],
    [{ enablePrometheusMetricsPath: true, prometheusPort: 8080 }, "/telemetry_config/prometheusPort: port 8080 is the proxy's own port; /metrics needs a port of its own"],
    [{ enablePrometheusMetricsPath: true, prometheusPort: 70000 }, '/telemetry_config/prometheusPort: '],
    [{ endpoint: 'x:1', metricsEnabled: true, sampling: 1 }, '/telemetry_config'],
  ];
  for (const [tc, expected] of rows) {
    const lines = problems(load({ ...withTelemetry(tc), port: 8080 }));
    t.equal(lines.length, 1, `${JSON.stringify(tc)}: ${lines.join(' | ')}`);
    t.ok(lines[0]?.startsWith(expected), `${lines[0]} starts with ${expected}`);
  }
});

t.test('§12 telemetry_config: accepted forms, defaults, and warnings for what does nothing', async (t) => {
  const certs = testCerts();
  const r = load(withTelemetry({ endpoint: 'https://otel.example:4318/base/', tracingEnabled: true, metricsEnabled: true, caCertPath: certs.caCert, samplingRate: 0.5 }));
  t.equal(r.ok, true, problems(r).join('\n'));
  const p = r.ok ? planChain(r.config).telemetry : null;
  t.equal(p?.otlp?.tracesUrl, 'https://otel.example:4318/base/v1/traces', 'a URL path is a base path');
  t.equal(p?.otlp?.metricsUrl, 'https://otel.example:4318/base/v1/metrics');
  t.equal(p?.samplingRate, 0.5);
  t.equal(p?.serviceName, 'thv-everything', "ToolHive's default service name");
  t.strictSame(p?.knownTools, ['echo'], 'configured tools keep their own label value');

  const insecure = load(withTelemetry({ endpoint: 'collector:4318', insecure: true, tracingEnabled: true }));
  t.equal(insecure.ok && planChain(insecure.config).telemetry?.otlp?.tracesUrl, 'http://collector:4318/v1/traces', 'host:port, insecure: http');
  t.equal(insecure.ok && planChain(insecure.config).telemetry?.samplingRate, 0.05, 'default sampling rate 0.05');

  const clash = load(withTelemetry({ endpoint: 'http://collector:4318', tracingEnabled: true }));
  t.equal(clash.ok, true);
  t.match(clash.warnings.join('\n'), /the scheme of "http:\/\/collector:4318" is not used: insecure is false, so thv-proxy \(like ToolHive\) speaks https/);

  const nothing = load(withTelemetry({ serviceName: 'x' }));
  t.equal(nothing.ok, true);
  t.match(nothing.warnings.join('\n'), /turns nothing on/);
  t.equal(nothing.ok && planChain(nothing.config).telemetry, null, 'no telemetry built');

  const prom = load(withTelemetry({ enablePrometheusMetricsPath: true, metricsOnTransportPort: true }));
  t.equal(prom.ok && planChain(prom.config).telemetry?.prometheus?.port, 9090, 'default port 9090 (SPEC §12)');
  t.match(prom.warnings.join('\n'), /metricsOnTransportPort: thv-proxy serves \/metrics only on its own port/);

  t.equal(load(withTelemetry(null)).ok, true, 'null: off, silently');
});

t.test('§12 audit_config / audit_config_path: pointers for bad values, the file form is judged alike', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thv-audit-cfg-'));
  const missingDir = join(dir, 'nope', 'audit.log');
  const rows: [Record<string, unknown>, string][] = [
    [{ audit_config: { logFile: missingDir } }, `/audit_config/logFile: cannot write audit events to "${missingDir}"`],
    [{ audit_config: { logFile: dir } }, `/audit_config/logFile: "${dir}" is a directory`],
    [{ audit_config: { eventTypes: ['mcp_tool_call', 'tool_call'] } }, '/audit_config/eventTypes/1: unknown audit event type "tool_call"'],
    [{ audit_config: { maxDataSize: -1 } }, '/audit_config/maxDataSize: '],
    [{ audit_config_path: join(dir, 'missing.json') }, `/audit_config_path: cannot read "${join(dir, 'missing.json')}"`],
  ];
  const badFile = join(dir, 'bad.json');
  writeFileSync(badFile, JSON.stringify({ maxDataSize: 'big' }));
  rows.push([{ audit_config_path: badFile }, `/audit_config_path: "${badFile}": /maxDataSize: `]);
  for (const [extra, expected] of rows) {
    const lines = problems(load({ ...baseConfig(), ...extra }));
    t.equal(lines.length, 1, `${JSON.stringify(extra)}: ${lines.join(' | ')}`);
    t.ok(lines[0]?.startsWith(expected), `${lines[0]} starts with ${expected}`);
  }
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o500);
    t.equal(load({ ...baseConfig(), audit_config: { logFile: join(dir, 'x.log') } }).ok, false, 'unwritable directory');
    chmodSync(dir, 0o700);
  }

  const good = join(dir, 'audit.json');
  writeFileSync(good, JSON.stringify({ logFile: join(dir, 'a.log'), excludeEventTypes: ['mcp_ping'] }));
  const r = load({ ...baseConfig(), audit_config_path: good });
  t.equal(r.ok, true, problems(r).join('\n'));
  const a = r.ok ? planChain(r.config).audit : null;
  t.equal(a?.logFile, join(dir, 'a.log'));
  t.equal(a?.maxDataSize, 1024, "ToolHive's default maxDataSize");
  t.equal(a?.component, 'everything');
  t.ok(a?.excludeEventTypes.has('mcp_ping'));

  const both = load({ ...baseConfig(), audit_config: { component: 'c' }, audit_config_path: good });
  t.equal(both.ok, true);
  t.match(both.warnings.join('\n'), /\/audit_config_path: not read: audit_config is set/);
});
