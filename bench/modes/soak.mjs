// Soak: thv-proxy + Redis limiter at load for S seconds after a warm-up; RSS every 5 s and
// /health latency every 100 ms (see lib/sampler.mjs), then growth and the longest stall.
import { cpuSeconds, peakRssKb } from '../lib/procfs.mjs';
import { startSampling } from '../lib/sampler.mjs';
import { percentile } from '../lib/stats.mjs';
import { TOOLS_CALL } from '../lib/bodies.mjs';

const SERVER = 'thv-redis';
const mib = (kb) => (kb / 1024).toFixed(1);

export async function soak(stack, loader, opts, log) {
  await stack.ensure(SERVER);
  const { pid, port } = stack.running.get(SERVER);
  const url = stack.url(SERVER);
  const warmup = Math.max(opts.warmup, 8);
  log(`soak: warm-up ${warmup} s, then ${opts.soak} s at ${opts.connections} connections against ${SERVER} (load by ${loader.name})`);
  await loader.run({ url, body: TOOLS_CALL, seconds: warmup, connections: opts.connections });
  const c0 = cpuSeconds(pid);
  const sampling = startSampling({ pid, port });
  const progress = setInterval(() => log(`  ... soak running`), 60_000);
  const load = await loader.run({ url, body: TOOLS_CALL, seconds: opts.soak, connections: opts.connections });
  clearInterval(progress);
  const { rss, health } = sampling.stop();
  const cpuUsPerReq = ((cpuSeconds(pid) - c0) * 1e6) / load.requests;

  const kb = rss.map((s) => s.kb);
  const first = kb[0], last = kb[kb.length - 1];
  // after warm-up: the first sample is taken as the soak starts; the 10 % target compares the last to it
  const growthPct = ((last - first) / first) * 100;
  const maxGrowthPct = ((Math.max(...kb) - first) / first) * 100;
  const ms = health.map((h) => h.ms).filter(Number.isFinite);
  const failed = health.filter((h) => h.status !== 200).length;
  const summary = {
    seconds: opts.soak, rps: load.rps, p50Ms: load.p50Ms, p99Ms: load.p99Ms, non2xx: load.non2xx, errors: load.errors, cpuUsPerReq,
    rssFirstKb: first, rssLastKb: last, rssMaxKb: Math.max(...kb), rssGrowthPct: growthPct, rssMaxGrowthPct: maxGrowthPct, peakRssKb: peakRssKb(pid),
    healthSamples: health.length, healthFailed: failed, healthP50Ms: percentile(ms, 50), healthP99Ms: percentile(ms, 99), healthMaxMs: Math.max(...ms),
    healthOver50ms: ms.filter((x) => x > 50).length,
  };
  const markdown = `| soak (${opts.soak} s, ${opts.connections} conn, thv-proxy + Redis limiter) | value |
|---|---|
| req/s | ${Math.round(load.rps)} (non-2xx ${load.non2xx}, socket errors ${load.errors}) |
| latency p50 / p99 | ${load.p50Ms.toFixed(2)} ms / ${load.p99Ms.toFixed(2)} ms |
| proxy CPU µs/req | ${cpuUsPerReq.toFixed(1)} |
| RSS first / last / max | ${mib(first)} / ${mib(last)} / ${mib(Math.max(...kb))} MiB |
| RSS growth (last vs first) | ${growthPct.toFixed(1)} % (max ${maxGrowthPct.toFixed(1)} %) — target within 10 % ${Math.abs(growthPct) <= 10 && maxGrowthPct <= 10 ? 'ok' : 'MISSED'} |
| /health latency under load p50 / p99 / max | ${summary.healthP50Ms.toFixed(2)} / ${summary.healthP99Ms.toFixed(2)} / ${summary.healthMaxMs.toFixed(2)} ms (${health.length} samples, ${failed} failed) |
| /health samples over 50 ms | ${summary.healthOver50ms} — target 0 ${summary.healthOver50ms === 0 && failed === 0 ? 'ok' : 'MISSED'} |`;
  return { summary, rss, health: health.filter((h) => h.ms > 10 || h.status !== 200), markdown };
}
