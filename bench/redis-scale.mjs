#!/usr/bin/env node
// How far one Redis shard carries the rate limiter (issue 16, docs/scaling.md). Two measurements,
// each on its own redis-server (free port, no persistence), everything on this machine:
//
//   store:   K client processes (bench/scale/checks.mjs), each one RedisStore keeping 64 checks
//            in flight — no HTTP, so Redis, not the proxies, is the bottleneck as far as the
//            machine allows;
//   proxies: N thv-proxy processes (1, 2, 4) in front of one upstream, loaded by one process
//            (bench/scale/loadgen.mjs) spread over all of them.
//
// For each run: checks (or tools/call) per second, Redis CPU per check (µs, from /proc), the
// share of one core Redis used, client/proxy CPU per check. Redis runs one thread, so
// 1e6 / (Redis µs per check) is the most checks per second one shard can do on this CPU.
//
//   node bench/redis-scale.mjs [--duration 8] [--clients 1,2] [--proxies 1,2,4] [--connections 16]
//                              [--pipelining on|off] [--root <dir with dist/>]
// --pipelining sets the store runs' ioredis auto-pipelining; proxies use whatever their dist/ was
// built with (on by default; docs/scaling.md says how the "off" runs were made).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFile } from 'node:child_process';
import { Child, stopAll, waitServing } from './lib/children.mjs';
import { cpuSeconds } from './lib/procfs.mjs';
import { freePort } from './lib/ports.mjs';
import { startRedis } from './lib/redis.mjs';
import { thvConfig } from './lib/thvConfigs.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const ROOT = resolve(arg('root', dirname(BENCH)));
const SECONDS = Number(arg('duration', '8'));
const CLIENTS = arg('clients', '1,2').split(',').filter(Boolean).map(Number);
const PROXIES = arg('proxies', '1,2,4').split(',').filter(Boolean).map(Number);
const CONNECTIONS = Number(arg('connections', '16'));
const PIPELINING = arg('pipelining', 'on');
const log = (line) => process.stderr.write(`${line}\n`);

function runJson(file, env) {
  return new Promise((resolvePromise, reject) => {
    execFile(process.execPath, [file], { env: { ...process.env, ...env }, cwd: ROOT, timeout: (SECONDS + 60) * 1000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${file}: ${err.message}\n${stderr}`)) : resolvePromise(JSON.parse(stdout.trim().split('\n').pop())),
    );
  });
}

async function evalCalls(redis) {
  const calls = await redis.commandCalls();
  return (calls.evalsha ?? 0) + (calls.eval ?? 0);
}

/** Redis's own time inside EVALSHA (the script, no network I/O), µs per call, from INFO commandstats. */
async function scriptUsPerCall(port) {
  const { default: Redis } = await import('ioredis');
  const admin = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  try {
    const m = /^cmdstat_evalsha:calls=(\d+),usec=(\d+)/m.exec(await admin.info('commandstats'));
    return m ? Number(m[2]) / Number(m[1]) : NaN;
  } finally {
    admin.disconnect();
  }
}

async function storeRun(clients) {
  const redis = await startRedis();
  try {
    await redis.resetStats();
    const cpu0 = cpuSeconds(redis.pid);
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: clients }, () =>
        runJson(join(BENCH, 'scale', 'checks.mjs'), { THV_ROOT: ROOT, REDIS_PORT: String(redis.port), SECONDS: String(SECONDS), AUTO_PIPELINING: PIPELINING === 'off' ? '0' : '1' }),
      ),
    );
    const wall = (Date.now() - t0) / 1000;
    const redisCpu = cpuSeconds(redis.pid) - cpu0;
    const checks = results.reduce((a, r) => a + r.checks, 0);
    return {
      mode: 'store', processes: clients, pipelining: PIPELINING, checks, failures: results.reduce((a, r) => a + r.failures, 0),
      perSecond: checks / SECONDS, redisUsPerCheck: (redisCpu * 1e6) / checks, redisCoreShare: redisCpu / wall,
      clientUsPerCheck: (results.reduce((a, r) => a + r.cpuSeconds, 0) * 1e6) / checks, scriptCalls: await evalCalls(redis),
      scriptUs: await scriptUsPerCall(redis.port),
    };
  } finally {
    await redis.stop();
  }
}

async function proxyRun(n, upstreamPort, tmp) {
  const redis = await startRedis();
  const proxies = [];
  try {
    for (let i = 0; i < n; i++) {
      const port = await freePort();
      const file = join(tmp, `p${n}-${i}.json`);
      writeFileSync(file, JSON.stringify(thvConfig('redis', { name: `scale-${n}-${i}`, port, upstreamPort, redisPort: redis.port })));
      const child = new Child(`thv-${i}`, process.execPath, [join(ROOT, 'bin', 'thv-proxy'), 'run', '--config', file], { cwd: ROOT });
      await waitServing(child, port, { healthPath: '/health' });
      proxies.push({ child, port });
    }
    // Warm up (JIT, connections, script cache) before measuring.
    await runJson(join(BENCH, 'scale', 'loadgen.mjs'), { URLS: proxies.map((p) => `http://127.0.0.1:${p.port}/mcp`).join(','), CONNECTIONS: String(CONNECTIONS), SECONDS: '2' });
    await redis.resetStats();
    const cpu0 = cpuSeconds(redis.pid);
    const pcpu0 = proxies.map((p) => cpuSeconds(p.child.pid));
    const t0 = Date.now();
    const load = await runJson(join(BENCH, 'scale', 'loadgen.mjs'), { URLS: proxies.map((p) => `http://127.0.0.1:${p.port}/mcp`).join(','), CONNECTIONS: String(CONNECTIONS), SECONDS: String(SECONDS) });
    const wall = (Date.now() - t0) / 1000;
    const redisCpu = cpuSeconds(redis.pid) - cpu0;
    const proxyCpu = proxies.reduce((a, p, i) => a + cpuSeconds(p.child.pid) - pcpu0[i], 0);
    const checks = await evalCalls(redis);
    return {
      mode: 'proxies', processes: n, connections: n * CONNECTIONS, requests: load.requests, non2xx: load.non2xx, errors: load.errors,
      perSecond: load.requests / SECONDS, p50Ms: load.p50Ms, p99Ms: load.p99Ms, checks,
      redisUsPerCheck: (redisCpu * 1e6) / checks, redisCoreShare: redisCpu / wall, proxyUsPerRequest: (proxyCpu * 1e6) / load.requests,
      scriptUs: await scriptUsPerCall(redis.port),
    };
  } finally {
    for (const p of proxies) await p.child.stop();
    await redis.stop();
  }
}

const f = (x, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '—');
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US').replace(/,/g, ' ') : '—');

/**
 * How Redis Cluster spreads servers over shards: the slot of each server's hash tag
 * ({default:mcp-server-<i>}), with the 16384 slots split evenly as `redis-cli --cluster create`
 * does. Pure arithmetic (CRC16), no Redis needed.
 */
async function spread() {
  const { default: keySlot } = await import('cluster-key-slot');
  const lines = ['| servers | shards | servers per shard: min / mean / max | busiest shard vs mean |', '|---|---|---|---|'];
  for (const servers of [100, 1000]) {
    for (const shards of [3, 6, 12, 30]) {
      const per = new Array(shards).fill(0);
      for (let i = 0; i < servers; i++) per[Math.min(shards - 1, Math.floor(keySlot(`thv:rl:{default:mcp-server-${i}}:shared`) / (16384 / shards)))]++;
      const mean = servers / shards;
      lines.push(`| ${servers} | ${shards} | ${Math.min(...per)} / ${f(mean)} / ${Math.max(...per)} | ${f(Math.max(...per) / mean, 2)}x |`);
    }
  }
  return lines.join('\n');
}

async function main() {
  const env = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, loadavg: os.loadavg(), date: new Date().toISOString(), root: ROOT };
  log(`redis-scale: ${SECONDS} s runs, ${env.cpus} CPUs (${env.cpuModel}), load average ${env.loadavg.map((l) => l.toFixed(2)).join(' ')}`);
  const rows = [];
  for (const k of CLIENTS) {
    log(`store: ${k} client process(es), auto-pipelining ${PIPELINING}`);
    rows.push(await storeRun(k));
  }
  const tmp = mkdtempSync(join(tmpdir(), 'thv-scale-'));
  const upPort = await freePort();
  const upstream = new Child('upstream', process.execPath, [join(BENCH, 'servers', 'upstream.mjs')], { env: { PORT: String(upPort) } });
  try {
    await waitServing(upstream, upPort);
    for (const n of PROXIES) {
      log(`proxies: ${n} thv-proxy process(es), ${CONNECTIONS} connections each`);
      rows.push(await proxyRun(n, upPort, tmp));
    }
  } finally {
    await upstream.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log('| run | processes | checks/s | Redis CPU µs/check | of which in the script | Redis share of one core | client or proxy µs per check | p50 / p99 | failures or non-2xx |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const who = r.mode === 'store' ? `store, pipelining ${r.pipelining}` : `thv-proxy (${r.connections} conns)`;
    const lat = r.mode === 'store' ? '—' : `${f(r.p50Ms, 2)} / ${f(r.p99Ms, 2)} ms`;
    const bad = r.mode === 'store' ? r.failures : r.non2xx + r.errors;
    console.log(`| ${who} | ${r.processes} | ${int(r.perSecond)} | ${f(r.redisUsPerCheck)} | ${f(r.scriptUs)} | ${f(r.redisCoreShare * 100, 0)} % | ${f(r.mode === 'store' ? r.clientUsPerCheck : r.proxyUsPerRequest)} | ${lat} | ${bad} |`);
  }
  console.log(`\nHow a Cluster spreads servers (by hash tag):\n${await spread()}`);
  const dir = join(BENCH, 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `redis-scale-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ env, args: { SECONDS, CLIENTS, PROXIES, CONNECTIONS, PIPELINING }, rows }, null, 2));
  log(`raw results: ${file}`);
}

main().catch(async (err) => {
  log(err.stack ?? String(err));
  await stopAll();
  process.exit(1);
});
