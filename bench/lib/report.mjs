// The markdown table and the ratios against the baselines (issue 8's targets), from the medians.
const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US').replace(/,/g, ' ') : '—');

export function table(rows) {
  const head = '| scenario | req/s | p50 | p99 | non-2xx | Redis cmds/req | Redis ops/req (incl. in Lua) | proxy CPU µs/req | Redis CPU µs/req | peak RSS |\n|---|---|---|---|---|---|---|---|---|---|';
  const lines = rows.map((r) => `| ${r.label} | ${int(r.rps)} | ${f(r.p50Ms, 2)} ms | ${f(r.p99Ms, 2)} ms | ${f(r.non2xxShare * 100, 0)} % | ${f(r.redisCmdsPerReq, 2)} | ${f(r.redisOpsPerReq, 2)} | ${f(r.cpuUsPerReq)}${r.name === 'direct' ? ' (upstream)' : ''} | ${r.usesRedis ? f(r.redisCpuUsPerReq) : '—'} | ${f(r.peakRssKb / 1024, 0)} MiB |`);
  return [head, ...lines].join('\n');
}

/** Each target of issue 8 that the selected scenarios allow to evaluate. */
export function ratios(rows) {
  const by = Object.fromEntries(rows.map((r) => [r.name, r]));
  const out = [];
  const add = (what, value, target, ok, digits = 2) => out.push({ what, value, target, ok, text: `${what}: ${f(value, digits)} (target ${target}) ${ok ? 'ok' : 'MISSED'}` });
  const t = by['thv-redis'], p1 = by.P1, p0 = by.P0, fz = by.F, nl = by['thv-nolimit'], list = by['thv-redis-list'];
  if (t && p1) {
    add('thv+redis / P1 proxy CPU per request', t.cpuUsPerReq / p1.cpuUsPerReq, '<= 1.00', t.cpuUsPerReq <= p1.cpuUsPerReq);
    add('thv+redis / P1 req/s', t.rps / p1.rps, '>= 0.90', t.rps >= 0.9 * p1.rps);
    add(`thv+redis p99 ${f(t.p99Ms, 2)} ms vs P1 p99 ${f(p1.p99Ms, 2)} ms, ratio`, t.p99Ms / p1.p99Ms, '<= 1.00', t.p99Ms <= p1.p99Ms);
  }
  if (t && fz) add('thv+redis / F req/s', t.rps / fz.rps, '>= 1.80', t.rps >= 1.8 * fz.rps);
  if (nl && p0) add('thv-nolimit / P0 proxy CPU per request', nl.cpuUsPerReq / p0.cpuUsPerReq, '<= 1.10', nl.cpuUsPerReq <= 1.1 * p0.cpuUsPerReq);
  if (t) add('thv+redis Redis commands per tools/call (MONITOR)', t.redisCmdsPerReq, '= 1', t.redisCmdsPerReq === 1);
  const auth = by['thv-auth'];
  if (auth && p1) add('thv+auth+per-user Redis / P1 req/s (issue 12)', auth.rps / p1.rps, '>= 0.90', auth.rps >= 0.9 * p1.rps);
  if (auth && t) add('thv+auth+per-user minus thv+redis proxy CPU per request, µs', auth.cpuUsPerReq - t.cpuUsPerReq, '<= 30', auth.cpuUsPerReq - t.cpuUsPerReq <= 30, 1);
  if (auth) add('thv+auth+per-user Redis commands per tools/call (MONITOR)', auth.redisCmdsPerReq, '= 1', auth.redisCmdsPerReq === 1);
  if (list) add('thv+redis Redis commands per tools/list (MONITOR)', list.redisCmdsPerReq, '= 0', list.redisCmdsPerReq === 0);
  return out;
}
