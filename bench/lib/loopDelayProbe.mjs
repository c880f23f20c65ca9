// Preloaded into a measured process with `node --import <this file>` (soak mode), so the
// product's code stays untouched: samples the event-loop delay with perf_hooks'
// monitorEventLoopDelay (a libuv timer; negligible cost) and appends one JSON line per period to
// BENCH_LOOP_DELAY_FILE: the worst and p99 delay of that period, in ms.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { appendFileSync } from 'node:fs';

const file = process.env.BENCH_LOOP_DELAY_FILE;
if (file) {
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  const t0 = Date.now();
  setInterval(() => {
    appendFileSync(file, `${JSON.stringify({ t: Date.now() - t0, maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, meanMs: h.mean / 1e6 })}\n`);
    h.reset();
  }, Number(process.env.BENCH_LOOP_DELAY_PERIOD_MS ?? 5000)).unref();
}
