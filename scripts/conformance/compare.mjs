// Per-scenario comparison of two conformance runs. A scenario's result is its list of checks as
// (id, status, error message, details) with addresses, ids and times blanked out: so "same
// result" means the same checks with the same outcome for the same reason, having seen the same
// answers (the details hold the bodies, statuses and headers the suite saw), not merely the same
// pass count. Headers that belong to one connection (date, keep-alive, connection) are left out.
//
// EXPECTED lists the only differences that do not fail the run, each narrowly matched (scenario,
// configurations, exact check outcomes) and with its reason; the table names them.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const ADDRESS = /(https?:\/\/)?(127\.0\.0\.1|localhost|\[::1\]):\d+/g;
const TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g;
const PER_CONNECTION = new Set(['date', 'keep-alive', 'connection', 'transfer-encoding']);

const blank = (text) => text.replace(ADDRESS, '<address>').replace(UUID, '<uuid>').replace(TIME, '<time>');

/** Header objects with sorted keys and without per-connection headers, anywhere in `value`. */
function stable(value, key) {
  if (Array.isArray(value)) return value.map((v) => stable(v));
  if (value === null || typeof value !== 'object') return value;
  const out = {};
  for (const k of Object.keys(value).sort()) {
    if (key === 'headers' && PER_CONNECTION.has(k.toLowerCase())) continue;
    out[k] = stable(value[k], k);
  }
  return out;
}

function normalise(checks) {
  return checks.map((c) => ({
    id: c.id,
    status: c.status,
    message: blank(c.errorMessage ?? ''),
    details: blank(JSON.stringify(stable(c.details ?? null))),
  }));
}

const key = (checks) => JSON.stringify(normalise(checks));

export function counts(checks) {
  if (!checks) return { passed: 0, failed: 0, warnings: 0, info: 0, missing: true };
  const n = (s) => checks.filter((c) => c.status === s).length;
  return { passed: n('SUCCESS'), failed: n('FAILURE'), warnings: n('WARNING'), info: n('INFO'), missing: false };
}

const has = (checks, id, status, message) =>
  checks.some((c) => c.id === id && c.status === status && (message === undefined || (c.errorMessage ?? '').includes(message)));

/**
 * Differences that follow from the contract, not from a fault. Each `matches` sees the direct and
 * the proxied checks of one scenario and must recognise exactly the expected pair of outcomes.
 */
export const EXPECTED = [
  {
    scenario: 'dns-rebinding-protection',
    configs: ['http', 'stdio'],
    reason:
      'SPEC §6: thv-proxy guards Host/Origin (DNS rebinding) itself and answers 403; server-everything does not, so only the direct run fails this check',
    matches: (direct, proxied) =>
      has(direct, 'localhost-host-rebinding-rejected', 'FAILURE', 'got 200') &&
      has(proxied, 'localhost-host-rebinding-rejected', 'SUCCESS') &&
      has(direct, 'localhost-host-valid-accepted', 'SUCCESS') &&
      has(proxied, 'localhost-host-valid-accepted', 'SUCCESS') &&
      direct.length === 2 &&
      proxied.length === 2,
  },
  {
    scenario: 'server-sse-multiple-streams',
    configs: ['stdio'],
    reason:
      'stdio bridge answers a POST with application/json unless a related message must go first (docs/stdio.md; both forms are valid streamable HTTP); the suite then skips its SSE check (INFO) instead of passing it',
    matches: (direct, proxied) =>
      has(direct, 'server-accepts-multiple-post-streams', 'SUCCESS') &&
      has(direct, 'server-sse-streams-functional', 'SUCCESS') &&
      has(proxied, 'server-accepts-multiple-post-streams', 'SUCCESS') &&
      has(proxied, 'server-sse-streams-functional', 'INFO', undefined) &&
      proxied.length === 2,
  },
  {
    scenario: 'server-sse-polling',
    configs: ['stdio'],
    reason:
      'same JSON answer: the suite reports its SSE polling checks as not applicable; directly they run and fail only because server-everything has no test_reconnection tool',
    matches: (direct, proxied) =>
      has(direct, 'incoming-sse-event', 'FAILURE', 'Tool call failed') &&
      has(proxied, 'server-sse-content-type', 'INFO') &&
      counts(proxied).failed === 0 &&
      counts(proxied).passed === 0,
  },
];

/** 'same' | 'expected' | 'different' (+ the expectation that explains it). */
export function verdict(scenario, config, direct, proxied) {
  if (direct && proxied && key(direct) === key(proxied)) return { kind: 'same' };
  if (direct && proxied) {
    const e = EXPECTED.find((x) => x.scenario === scenario && x.configs.includes(config) && x.matches(direct, proxied));
    if (e) return { kind: 'expected', expectation: e };
  }
  return { kind: 'different' };
}

/** What differs, check by check, for the report. */
export function explain(direct, proxied) {
  if (!direct || !proxied) return [`no result ${!direct ? 'directly' : 'through the proxy'}`];
  const a = normalise(direct);
  const b = normalise(proxied);
  const lines = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (JSON.stringify(x) === JSON.stringify(y)) continue;
    const show = (c) => (c ? `${c.id} ${c.status}${c.message ? ` (${c.message.slice(0, 160)})` : ''}` : '—');
    lines.push(`direct: ${show(x)}  |  proxied: ${show(y)}`);
    if (x && y && x.id === y.id && x.status === y.status && x.message === y.message) {
      lines.push(`details differ: direct ${x.details.slice(0, 400)}  |  proxied ${y.details.slice(0, 400)}`);
    }
  }
  return lines;
}

function cell(c) {
  if (c.missing) return 'no result';
  const parts = [`${c.passed} ✓`, `${c.failed} ✗`];
  if (c.warnings) parts.push(`${c.warnings} ⚠`);
  return parts.join(' ');
}

/**
 * Markdown table: one row per scenario, one column per run, one verdict column per proxied run.
 * `runs` is [{name, label, results}] with the direct run first.
 */
export function table(scenarios, runs, verdicts) {
  const proxied = runs.slice(1);
  const head = ['scenario', ...runs.map((r) => r.label), ...proxied.map((r) => `${r.name} vs direct`)];
  const rows = [head, head.map(() => '---')];
  for (const s of scenarios) {
    const row = [s, ...runs.map((r) => cell(counts(r.results.get(s))))];
    for (const r of proxied) {
      const v = verdicts.get(`${r.name}:${s}`);
      row.push(v.kind === 'same' ? 'same' : v.kind === 'expected' ? 'expected (note)' : '**DIFFERENT**');
    }
    rows.push(row);
  }
  const totals = ['**total checks**', ...runs.map((r) => {
    const t = { passed: 0, failed: 0, warnings: 0, info: 0, missing: false };
    for (const s of scenarios) {
      const c = counts(r.results.get(s));
      t.passed += c.passed;
      t.failed += c.failed;
      t.warnings += c.warnings;
    }
    return cell(t);
  }), ...proxied.map(() => '')];
  rows.push(totals);
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}
