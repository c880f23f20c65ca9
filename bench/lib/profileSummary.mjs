// Reads a V8 .cpuprofile (node --cpu-prof) and ranks self time by function and by area
// (thv-proxy's own files, each dependency, node internals, GC), idle time left out.
import { readFileSync } from 'node:fs';

function area(url) {
  if (!url) return '(native/V8)';
  const dist = url.match(/\/dist\/(.+)$/);
  if (dist) return `thv-proxy ${dist[1]}`;
  const dep = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dep) return dep[1];
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  return url;
}

export function summariseProfile(file, top = 25) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
  const fns = new Map();
  const areas = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { callFrame: cf } = byId.get(id);
    if (cf.functionName === '(idle)') continue;
    total += us;
    const file = cf.url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '');
    const key = `${cf.functionName || '(anonymous)'} ${file ? `${file}:${cf.lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const a = cf.functionName.startsWith('(') ? cf.functionName : area(cf.url);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total }));
  return { totalBusyMs: total / 1000, functions: rank(fns).slice(0, top), areas: rank(areas).slice(0, top) };
}
