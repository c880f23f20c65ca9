// Two servers measured at the same time: each gets its own upstream and its own wrk, both share
// Redis, and every round loads both at once — so a slower or busier machine in one round slows
// both alike, and their ratio of CPU per request holds still where the sequential rounds of
// `npm run bench` drift. On this 2-core VM the same server measured in successive rounds moved
// from 74 to 131 µs/req; in pairs, the ratio of thv-proxy to itself stayed 0.92-1.07 (median
// 1.00) and thv-proxy + Redis to P1 1.01-1.08 (docs/performance.md, third session of 2026-11-29).
//
//   npm run build && node bench/paired.mjs P1,thv-redis [--rounds 6] [--seconds 6] [--connections 25]
//                    [--thv-bin a/bin/thv-proxy,b/bin/thv-proxy]   (an A/B of two builds)
//                    [--both-orders]   (a second pairing started the other way round; see below)
//
// Prints each round and the median ratio second/first of CPU per request (all the process's
// threads, from /proc) and of req/s. Scenarios: the server names of bench/lib/stack.mjs that need
// only upstream and Redis (P0, P1, thv-nolimit, thv-redis, thv-redis-metrics, thv-redis-traces, ...).
import { writeFileSync, openSync, closeSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Child, waitServing, stopAll } from './lib/children.mjs';
import { freePort } from './lib/ports.mjs';
import { startRedis } from './lib/redis.mjs';
import { thvConfig } from './lib/thvConfigs.mjs';
import { cpuSeconds } from './lib/procfs.mjs';
import { SERVERS, THV_BIN } from './lib/stack.mjs';
import { TOOLS_CALL } from './lib/bodies.mjs';
import { median } from './lib/stats.mjs';
import { pickLoader } from './lib/load.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i === -1 ? dflt : args[i + 1]; };
const names = (args[0] ?? '').split(',');
if (names.length !== 2 || names.some((n) => !SERVERS[n])) {
  console.error(`usage: node bench/paired.mjs A,B [--rounds N] [--seconds S] [--warmup S] [--connections C] [--thv-bin binA,binB] [--thv-node-args argsA,argsB] [--thv-env envA,envB] [--both-orders]\nservers: ${Object.keys(SERVERS).join(', ')}`);
  process.exit(2);
}
const unsupported = names.filter((n) => SERVERS[n].needs.some((d) => d !== 'upstream' && d !== 'redis' && d !== 'idp'));
if (unsupported.length) {
  console.error(`paired mode starts upstreams, Redis and the bench IdP only; ${unsupported.join(', ')} need ${unsupported.map((n) => SERVERS[n].needs.join('+')).join(', ')}`);
  process.exit(2);
}
const SECONDS = Number(opt('seconds', 6));
const ROUNDS = Number(opt('rounds', 6));
// Seconds of load on both servers before the first round (JIT, caches); rounds then measure.
const WARMUP = Number(opt('warmup', 6));
const CONNECTIONS = Number(opt('connections', 25));
const BOTH_ORDERS = args.includes('--both-orders');
const BINS = opt('thv-bin', `${THV_BIN},${THV_BIN}`).split(',');
// Node flags for each thv-proxy (A,B; space-separated within one), e.g. --thv-node-args ',--max-semi-space-size=32'
const NODE_ARGS = opt('thv-node-args', ',').split(',').map((a) => a.split(' ').filter(Boolean));
// Extra environment for each thv-proxy (A,B; NAME=value pairs space-separated within one), e.g. --thv-env ',OTEL_BSP_SCHEDULE_DELAY=200'
const ENVS = opt('thv-env', ',').split(',').map((a) => Object.fromEntries(a.split(' ').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])));
const tmp = mkdtempSync(join(tmpdir(), 'thv-paired-'));
// The bench's own load generator (wrk where installed, else autocannon), one run per server.
const loader = pickLoader('auto');

async function load(server, seconds) {
  const r = await loader.run({ url: `http://127.0.0.1:${server.port}/mcp`, body: TOOLS_CALL, seconds, connections: CONNECTIONS, headers: server.headers });
  return r.requests;
}

/** The bench IdP (bench/servers/idp.mjs), started once when a server authenticates, and its token. */
let idp = null;
async function ensureIdp() {
  if (idp !== null) return idp;
  const port = await freePort();
  const child = new Child('idp', process.execPath, [join(BENCH, 'servers', 'idp.mjs')], { env: { PORT: String(port) }, cwd: ROOT });
  await waitServing(child, port, { healthPath: '/.well-known/openid-configuration' });
  const token = (await (await fetch(`http://127.0.0.1:${port}/token?sub=bench-user`)).json()).access_token;
  idp = { port, child, headers: { Authorization: `Bearer ${token}` } };
  return idp;
}

async function start(name, index, redisPort) {
  const spec = SERVERS[name];
  const upstreamPort = await freePort();
  const upstream = new Child(`upstream-${index}`, process.execPath, [join(BENCH, 'servers', 'upstream.mjs')], { env: { PORT: String(upstreamPort) } });
  await waitServing(upstream, upstreamPort);
  const port = await freePort();
  let child;
  const id = spec.needs.includes('idp') ? await ensureIdp() : null;
  if (spec.thv) {
    const file = join(tmp, `${index}.json`);
    writeFileSync(file, JSON.stringify(thvConfig(spec.thv, { name: `paired-${index}`, port, upstreamPort, redisPort, metricsPort: await freePort(), idpPort: id?.port })));
    // the request log goes to a file, as in `npm run bench`
    const logFd = openSync(join(tmp, `${index}.log`), 'a');
    child = new Child(name, process.execPath, [...(NODE_ARGS[index] ?? []), BINS[index], 'run', '--config', file, ...(spec.flags ?? [])], { cwd: ROOT, env: ENVS[index] ?? {}, stdoutFd: logFd });
    closeSync(logFd);
    await waitServing(child, port, { healthPath: '/health' });
  } else {
    child = new Child(name, process.execPath, [join(BENCH, 'servers', spec.script)], { env: { PORT: String(port), UP: `http://127.0.0.1:${upstreamPort}`, REDIS_PORT: String(redisPort), ...spec.env }, cwd: ROOT });
    await waitServing(child, port);
  }
  return { label: `${name}#${index}`, port, headers: id?.headers, pid: child.pid, children: [child, upstream], cpu: [], rps: [] };
}

/**
 * One pairing: both servers started (in `order`: indexes into names/BINS, the first started
 * first), warmed up, then ROUNDS rounds. Returns the per-round ratios second/first of names.
 */
async function pairing(order, redisPort) {
  const started = [];
  for (const i of order) started[i] = await start(names[i], i, redisPort);
  const servers = [started[0], started[1]];
  await Promise.all(servers.map((s) => load(s, WARMUP))); // warm-up
  const cpuRatios = [];
  const rpsRatios = [];
  for (let r = 0; r < ROUNDS; r++) {
    const before = servers.map((s) => cpuSeconds(s.pid));
    const counts = await Promise.all(servers.map((s) => load(s, SECONDS)));
    const after = servers.map((s) => cpuSeconds(s.pid));
    servers.forEach((s, i) => {
      s.cpu.push(((after[i] - before[i]) * 1e6) / counts[i]);
      s.rps.push(counts[i] / SECONDS);
    });
    cpuRatios.push(servers[1].cpu[r] / servers[0].cpu[r]);
    rpsRatios.push(servers[1].rps[r] / servers[0].rps[r]);
    console.log(`round ${r + 1}: ${servers.map((s) => `${s.label} ${s.cpu[r].toFixed(1)} µs/req ${Math.round(s.rps[r])} req/s`).join(' | ')} | CPU ratio ${cpuRatios[r].toFixed(3)}`);
  }
  console.log(`\n${servers[1].label} / ${servers[0].label}: CPU per request ${median(cpuRatios).toFixed(3)} (rounds ${Math.min(...cpuRatios).toFixed(2)}-${Math.max(...cpuRatios).toFixed(2)}), req/s ${median(rpsRatios).toFixed(3)}`);
  // The servers and their upstreams only: Redis serves the next pairing.
  await Promise.all(servers.flatMap((s) => s.children).map((c) => c.stop(3000)));
  return { cpu: median(cpuRatios), rps: median(rpsRatios) };
}

let redis = null;
try {
  redis = await startRedis();
  const first = await pairing([0, 1], redis.port);
  if (BOTH_ORDERS) {
    // The server started first measured ~1.5 % cheaper than an identical one started second on
    // this VM: started the other way round, the ratio's bias changes sign, and the geometric
    // mean of the two cancels it.
    console.log(`\nagain, ${names[1]} started first:`);
    const second = await pairing([1, 0], redis.port);
    const cpu = Math.sqrt(first.cpu * second.cpu);
    const rps = Math.sqrt(first.rps * second.rps);
    console.log(`\n${names[1]} / ${names[0]}, both orders (geometric mean): CPU per request ${cpu.toFixed(3)} (${first.cpu.toFixed(3)} and ${second.cpu.toFixed(3)}), req/s ${rps.toFixed(3)}`);
  }
} finally {
  await idp?.child.stop(3000);
  await stopAll();
  await redis?.stop();
  loader.close();
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);
