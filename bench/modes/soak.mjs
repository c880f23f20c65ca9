// Soak: thv-proxy + Redis limiter at load for S seconds after a warm-up. Sampled: RSS every 5 s
// (from /proc; growth judged on the floors between GCs), the event-loop delay inside the proxy (lib/loopDelayProbe.mjs, preloaded with
// --import: the product exposes no such metric) every 5 s, and GET /health latency every 100 ms
// from outside (what a client sees, queueing behind the load included).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, peakRssKb } from '../lib/procfs.mjs';
import { startSampling } from '../lib/sampler.mjs';
import { percentile, median } from '../lib/stats.mjs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TOOLS_CALL } from '../lib/bodies.mjs';

const PROBE = join(dirname(dirname(fileURLToPath(import.meta.url))), 'lib', 'loopDelayProbe.mjs');
const STALL_MS = 50;
const mib = (kb) => (kb / 1024).toFixed(1);
const f2 = (x) => (Number.isFinite(x) ? x.toFixed(2) : '—');

function readLoopDelay(file, fromMs) {
  let text = '';
  try { text = readFileSync(file, 'utf8'); } catch { return []; }
  return text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((s) => s.t > fromMs);
}

export async function soak(stack, loader, opts, log) {
  const SERVER = opts.target;
  const tmp = mkdtempSync(join(tmpdir(), 'thv-bench-soak-'));
  const delayFile = join(tmp, 'loop-delay.jsonl');
  await stack.ensure(SERVER, { nodeArgs: ['--import', PROBE], env: { BENCH_LOOP_DELAY_FILE: delayFile } });
  const { pid, port } = stack.running.get(SERVER);
  const url = stack.url(SERVER);
  const warmup = Math.max(opts.warmup, 8);
  log(`soak: warm-up ${warmup} s, then ${opts.soak} s at ${opts.connections} connections against ${SERVER} (load by ${loader.name})`);
  const processStart = Date.now();
  await loader.run({ url, body: TOOLS_CALL, seconds: warmup, connections: opts.connections });
  const soakFromMs = Date.now() - processStart; // probe times count from about the process start
  const c0 = cpuSeconds(pid);
  const sampling = startSampling({ pid, port });
  // control: the same measurement in this (nearly idle) harness. What it sees is the machine's
  // scheduling delay (2 shared cores), which the proxy's figure includes too.
  const control = monitorEventLoopDelay({ resolution: 10 });
  control.enable();
  const progress = setInterval(() => log('  ... soak running'), 60_000);
  const load = await loader.run({ url, body: TOOLS_CALL, seconds: opts.soak, connections: opts.connections });
  clearInterval(progress);
  const { rss, health } = sampling.stop();
  control.disable();
  const controlMaxMs = control.max / 1e6, controlP99Ms = control.percentile(99) / 1e6;
  const cpuUsPerReq = ((cpuSeconds(pid) - c0) * 1e6) / load.requests;
  const loop = readLoopDelay(delayFile, soakFromMs);
  rmSync(tmp, { recursive: true, force: true });

  const kb = rss.map((s) => s.kb);
  const first = kb[0], last = kb[kb.length - 1], max = Math.max(...kb);
  // medians of the first and last quarter of the samples, so one GC sawtooth does not decide
  const q = Math.max(1, Math.floor(kb.length / 4));
  const early = median(kb.slice(0, q)), late = median(kb.slice(-q));
  const medianGrowthPct = ((late - early) / early) * 100;
  // the verdict compares floors (lowest sample, i.e. right after a GC) of the second and the last
  // quarter: the first quarter is the heap still sizing itself, and the highs are GC sawtooth
  const floor2 = Math.min(...kb.slice(q, 2 * q)), floor4 = Math.min(...kb.slice(-q));
  const growthPct = ((floor4 - floor2) / floor2) * 100;
  const maxGrowthPct = ((max - first) / first) * 100;
  const ms = health.map((h) => h.ms).filter(Number.isFinite);
  const failed = health.filter((h) => h.status !== 200).length;
  const loopMax = loop.length ? Math.max(...loop.map((s) => s.maxMs)) : NaN;
  const loopP99 = percentile(loop.map((s) => s.p99Ms), 50);
  const summary = {
    seconds: opts.soak, rps: load.rps, p50Ms: load.p50Ms, p99Ms: load.p99Ms, non2xx: load.non2xx, errors: load.errors, cpuUsPerReq,
    rssFirstKb: first, rssLastKb: last, rssMaxKb: max, rssEarlyMedianKb: early, rssLateMedianKb: late, rssMedianGrowthPct: medianGrowthPct, rssFloorQ2Kb: floor2, rssFloorQ4Kb: floor4, rssGrowthPct: growthPct, rssMaxGrowthPct: maxGrowthPct, peakRssKb: peakRssKb(pid),
    controlLoopDelayMaxMs: controlMaxMs, controlLoopDelayP99Ms: controlP99Ms, loopDelaySamples: loop.length, loopDelayMaxMs: loopMax, loopDelayMedianP99Ms: loopP99,
    healthSamples: health.length, healthFailed: failed, healthP50Ms: percentile(ms, 50), healthP99Ms: percentile(ms, 99), healthMaxMs: Math.max(...ms),
  };
  const rssOk = Math.abs(growthPct) <= 10;
  const markdown = `| soak (${opts.soak} s, ${opts.connections} conn, ${SERVER}) | value |
|---|---|
| req/s | ${Math.round(load.rps)} (non-2xx ${load.non2xx}, socket errors ${load.errors}) |
| latency p50 / p99 | ${f2(load.p50Ms)} ms / ${f2(load.p99Ms)} ms |
| proxy CPU µs/req | ${cpuUsPerReq.toFixed(1)} |
| RSS first / last / max (after warm-up) | ${mib(first)} / ${mib(last)} / ${mib(max)} MiB |
| RSS floor (lowest sample) 2nd vs last quarter | ${mib(floor2)} -> ${mib(floor4)} MiB: ${growthPct.toFixed(1)} % — target within 10 % ${rssOk ? 'ok' : 'MISSED'} |
| RSS median 1st vs last quarter; max vs first | ${mib(early)} -> ${mib(late)} MiB (${medianGrowthPct.toFixed(1)} %); max ${maxGrowthPct.toFixed(1)} % over first |
| event-loop delay in the proxy: max / median of 5 s p99s | ${f2(loopMax)} / ${f2(loopP99)} ms (${loop.length} periods) — target no stall over ${STALL_MS} ms ${loopMax <= STALL_MS ? 'ok' : 'MISSED'} |
| control: event-loop delay of the idle harness, max / p99 | ${f2(controlMaxMs)} / ${f2(controlP99Ms)} ms (the machine's scheduling delay) |
| GET /health from outside, under load: p50 / p99 / max | ${f2(summary.healthP50Ms)} / ${f2(summary.healthP99Ms)} / ${f2(summary.healthMaxMs)} ms (${health.length} samples, ${failed} failed) |`;
  return { summary, rss, loopDelay: loop, slowHealth: health.filter((h) => h.ms > 10 || h.status !== 200), markdown };
}
