// Streams: N concurrent standalone SSE streams (GET /mcp, Accept: text/event-stream) held open
// through thv-proxy against an upstream that keeps them open; proxy RSS before and after, per
// stream. The upstream's own RSS growth is shown too: what any node:http server pays per socket.
// While the streams are open, one tools/call POST checks that the proxy still forwards requests.
import http from 'node:http';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { rssKb } from '../lib/procfs.mjs';
import { TOOLS_CALL } from '../lib/bodies.mjs';
import { probe } from '../lib/probe.mjs';

const OPEN_TIMEOUT_MS = 10_000;
const BATCH = 50;
const GC_PRELOAD = join(dirname(fileURLToPath(import.meta.url)), '..', 'lib', 'gcOnSignal.mjs');
const GC_ARGS = ['--expose-gc', '--import', GC_PRELOAD];

/** Full GC in each process (see lib/gcOnSignal.mjs), then a moment for the pages to go back. */
async function settle(pids) {
  for (let i = 0; i < 2; i++) {
    for (const pid of pids) process.kill(pid, 'SIGUSR2');
    await sleep(1500);
  }
}
const fds = (pid) => readdirSync(`/proc/${pid}/fd`).length;

/** Opens one stream; resolves with it once its first event arrived (or with an error note). */
function openStream(url) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => { req.destroy(); resolve({ ok: false, why: 'no first event within 10 s' }); }, OPEN_TIMEOUT_MS);
    const req = http.get(url, { agent: false, headers: { accept: 'text/event-stream' } }, (res) => {
      if (res.statusCode !== 200) { clearTimeout(timer); res.resume(); resolve({ ok: false, why: `status ${res.statusCode}` }); return; }
      res.once('data', () => { clearTimeout(timer); resolve({ ok: true, req, res }); });
    });
    req.once('error', (err) => { clearTimeout(timer); resolve({ ok: false, why: err.code ?? err.message }); });
  });
}

export async function streams(stack, loader, opts, log) {
  const SERVER = opts.target;
  const n = opts.streams;
  await stack.ensure('upstream', { nodeArgs: GC_ARGS });
  await stack.ensure(SERVER, { nodeArgs: GC_ARGS });
  const proxy = stack.running.get(SERVER);
  const upstream = stack.running.get('upstream');
  log(`streams: ${n} SSE streams through ${SERVER}`);
  // warm-up with streams, not with POST load: a load warm-up grows the heap, which then shrinks
  // while idle and would hide the streams' cost
  const warm = await Promise.all(Array.from({ length: BATCH }, () => openStream(stack.url(SERVER))));
  for (const s of warm) if (s.ok) s.req.destroy();
  // idle long enough for V8's memory reducer to have run before the baseline is read
  await sleep(8000);
  await settle([proxy.pid, upstream.pid]);
  const before = { proxyKb: rssKb(proxy.pid), upstreamKb: rssKb(upstream.pid), proxyFds: fds(proxy.pid) };

  const open = [];
  const failures = {};
  const t0 = Date.now();
  for (let i = 0; i < n; i += BATCH) {
    const batch = await Promise.all(Array.from({ length: Math.min(BATCH, n - i) }, () => openStream(stack.url(SERVER))));
    for (const s of batch) if (s.ok) open.push(s); else failures[s.why] = (failures[s.why] ?? 0) + 1;
    if (!batch.some((s) => s.ok)) { log(`  no stream of the last batch opened: stopping at ${open.length}`); break; }
  }
  const openMs = Date.now() - t0;
  await sleep(1000);
  await settle([proxy.pid, upstream.pid]);
  const after = { proxyKb: rssKb(proxy.pid), upstreamKb: rssKb(upstream.pid), proxyFds: fds(proxy.pid) };
  const callWhileOpen = await Promise.race([
    probe(stack.url(SERVER), TOOLS_CALL, null, 1).then((p) => Object.keys(p.statuses).join(',')),
    sleep(5000).then(() => 'no answer within 5 s'),
  ]);

  for (const s of open) s.req.destroy();
  await sleep(1000);
  await settle([proxy.pid, upstream.pid]);
  const closed = { proxyKb: rssKb(proxy.pid), proxyFds: fds(proxy.pid) };

  const perStreamKb = (after.proxyKb - before.proxyKb) / Math.max(1, open.length);
  const upstreamPerStreamKb = (after.upstreamKb - before.upstreamKb) / Math.max(1, open.length);
  // below a few hundred streams the RSS noise of a Node process (MiBs) swamps the per-stream figure
  const verdict = open.length < n ? `MISSED (only ${open.length} of ${n} streams opened)`
    : n < 500 ? 'not judged (use 500 or more streams: RSS noise is MiBs)'
    : perStreamKb * 1024 < 30_000 ? 'ok' : 'MISSED';
  const summary = { verdict, requested: n, open: open.length, callWhileOpen, failures, openMs, before, after, closed, perStreamKb, upstreamPerStreamKb };
  const markdown = `| ${n} SSE streams through ${SERVER} | value |
|---|---|
| streams open (first event received) | ${open.length} of ${n} in ${openMs} ms${Object.keys(failures).length ? ` — failures: ${JSON.stringify(failures)}` : ''} |
| a tools/call POST while the streams are open | ${callWhileOpen} |
| proxy RSS before / with streams / after closing | ${(before.proxyKb / 1024).toFixed(1)} / ${(after.proxyKb / 1024).toFixed(1)} / ${(closed.proxyKb / 1024).toFixed(1)} MiB |
| proxy open fds before / with streams / after closing | ${before.proxyFds} / ${after.proxyFds} / ${closed.proxyFds} |
| ${SERVER} RSS per stream | ${perStreamKb.toFixed(1)} KiB — target under 30 KB: ${verdict} |
| upstream (node:http alone) RSS per stream, for reference | ${upstreamPerStreamKb.toFixed(1)} KiB |`;
  return { summary, markdown };
}
