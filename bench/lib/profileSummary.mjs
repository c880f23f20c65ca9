// Reads a V8 .cpuprofile (node --cpu-prof) and ranks self time by function and by area
// (thv-proxy's own files, each dependency, node internals, GC), idle time left out. Native frames
// (writev, writeUtf8String, ...) have no script: they are shown with, and their time charged to
// the area of, the nearest JavaScript caller — so a log line's write counts for the logger.
import { readFileSync } from 'node:fs';

function area(url) {
  const dep = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (dep) return dep[1];
  const dist = url.match(/\/dist\/(.+)$/);
  if (dist) return `thv-proxy ${dist[1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\//, 'node:').split('/').slice(0, 2).join('/');
  return url;
}

const short = (url) => url.replace(/^.*\/(dist|node_modules)\//, '$1/').replace(/^file:\/\//, '');
const frameName = (cf) => `${cf.functionName || '(anonymous)'} ${short(cf.url)}:${cf.lineNumber + 1}`;

/** `requests`: how many requests the profiled process served, to express costs per request. */
export function summariseProfile(file, requests, top = 25) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map();
  prof.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));

  const jsCaller = (id) => {
    for (let p = parent.get(id), depth = 0; p !== undefined && depth < 30; p = parent.get(p), depth++) {
      const cf = byId.get(p).callFrame;
      if (cf.url) return cf;
    }
    return null;
  };
  const fns = new Map();
  const areas = new Map();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { callFrame: cf } = byId.get(id);
    if (cf.functionName === '(idle)') continue;
    total += us;
    let key, a;
    if (cf.url) { key = frameName(cf); a = area(cf.url); }
    else if (cf.functionName.startsWith('(')) { key = cf.functionName; a = cf.functionName; }
    else {
      const caller = jsCaller(id);
      key = `${cf.functionName || '(native)'} <- ${caller ? frameName(caller) : '?'}`;
      a = caller ? area(caller.url) : '(native)';
    }
    fns.set(key, (fns.get(key) ?? 0) + us);
    areas.set(a, (areas.get(a) ?? 0) + us);
  }
  const rank = (m) => [...m].sort((x, y) => y[1] - x[1]).map(([name, us]) => ({ name, ms: us / 1000, pct: (100 * us) / total, usPerReq: us / requests }));
  return { totalBusyMs: total / 1000, busyUsPerReq: total / requests, functions: rank(fns).slice(0, top), areas: rank(areas).slice(0, top) };
}
