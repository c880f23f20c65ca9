// Instructions per request, counted by valgrind's callgrind: a measure of the proxy's CPU cost
// that does not move with the machine's load or clock (the 2 shared cores here make CPU-time
// figures of `npm run bench` wander by ±30 % between rounds). Each measured server runs under
// callgrind; after a warm-up its counters are zeroed, N requests are sent (C at a time, keep-alive)
// and the counters dumped: Ir of all the process's threads (JIT, GC helpers, libuv) / N.
//
//   npm run build && node bench/icount.mjs [--only P1,thv-redis] [--requests 2000] [--warmup 1500]
//
// Not a replacement for `npm run bench` (the issues' targets are CPU time in its same-run
// comparison); a repeatable way to see whether a change makes a request cheaper. Needs valgrind.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, rmSync, openSync, closeSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { Child, waitServing, stopAll } from './lib/children.mjs';
import { freePort } from './lib/ports.mjs';
import { startRedis } from './lib/redis.mjs';
import { thvConfig } from './lib/thvConfigs.mjs';
import { TOOLS_CALL } from './lib/bodies.mjs';
import { SERVERS, THV_BIN } from './lib/stack.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const args = process.argv.slice(2);
const opt = (name, dflt) => { const i = args.indexOf(`--${name}`); return i === -1 ? dflt : args[i + 1]; };
const ONLY = opt('only', 'P0,P1,thv-nolimit,thv-redis').split(',');
const N = Number(opt('requests', 2000));
// Long enough for TurboFan to settle: after 1 500 requests the optimizing compiler's threads were
// still ~55 % of all instructions (docs/performance.md, third session); they are also reported apart.
const WARMUP = Number(opt('warmup', 15000));
const CONC = Number(opt('connections', 8));
// --syscalls: run the servers natively and count their system calls per request with `strace -c`
// (kernel time is the part of CPU that callgrind, counting user-space instructions, cannot see).
const SYSCALLS = args.includes('--syscalls');
// --thv-bin: another build's bin/thv-proxy (an A/B of a change against a copy of the tree)
const BIN = opt('thv-bin', THV_BIN);
// --keep DIR: keep the callgrind dumps (callgrind_annotate DIR/<server>.cg.1 shows native functions)
const KEEP = opt('keep', null);
if (KEEP) mkdirSync(KEEP, { recursive: true });
let stopRedis = async () => {};
const tmp = mkdtempSync(join(tmpdir(), 'thv-icount-'));

/** Non-200 statuses seen, for the report: a timeout path taken under valgrind would skew the count. */
const statuses = new Map();

async function load(port, n, headers) {
  const dispatcher = new Agent({ connections: CONC, pipelining: 1 });
  let next = 0;
  let bad = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const res = await request(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST', dispatcher, body: TOOLS_CALL,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      });
      await res.body.text();
      if (res.statusCode !== 200) { bad++; statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1); }
    }
  };
  await Promise.all(Array.from({ length: CONC }, worker));
  await dispatcher.close();
  return bad;
}

/** Instructions of V8's optimizing-compiler tasks in a dump (inclusive), from callgrind_annotate. */
function compilerIr(file) {
  try {
    const out = execFileSync('callgrind_annotate', ['--inclusive=yes', '--threshold=100', file], { encoding: 'utf8', maxBuffer: 256 << 20 });
    const m = out.match(/^\s*([\d,]+)\s.*OptimizingCompileDispatcher::CompileTask::RunInternal/m);
    return m ? Number(m[1].replace(/,/g, '')) : 0;
  } catch {
    return 0;
  }
}

function totalIr(file) {
  // "summary:" (or "totals:") line of a callgrind dump: the first number is Ir
  const text = readFileSync(file, 'utf8');
  const m = text.match(/^(?:totals|summary):\s+(\d+)/m);
  if (!m) throw new Error(`no totals in ${file}`);
  return Number(m[1]);
}

async function main() {
  const upPort = await freePort();
  const upstream = new Child('upstream', process.execPath, [join(BENCH, 'servers', 'upstream.mjs')], { env: { PORT: String(upPort) } });
  await waitServing(upstream, upPort);
  const redis = await startRedis();
  stopRedis = () => redis.stop();
  let idp = null;
  let token = null;
  const results = [];
  for (const name of ONLY) {
    const spec = SERVERS[name];
    if (!spec) throw new Error(`unknown server ${name}`);
    if (spec.needs.includes('idp') && !idp) {
      const port = await freePort();
      idp = { port, child: new Child('idp', process.execPath, [join(BENCH, 'servers', 'idp.mjs')], { env: { PORT: String(port) } }) };
      await waitServing(idp.child, port);
      token = (await (await fetch(`http://127.0.0.1:${port}/token?sub=bench-user`)).json()).access_token;
    }
    const port = await freePort();
    const out = join(tmp, `${name}.cg`);
    const vg = SYSCALLS ? [] : ['--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${out}`, '--dump-line=no', '--compress-strings=no'];
    let cmd;
    let logFd = 'ignore';
    if (spec.thv) {
      const file = join(tmp, `${name}.json`);
      const cfg = thvConfig(spec.thv, { name: `icount-${name}`, port, upstreamPort: upPort, redisPort: redis.port, metricsPort: await freePort(), idpPort: idp?.port });
      writeFileSync(file, JSON.stringify(cfg));
      cmd = [...vg, process.execPath, BIN, 'run', '--config', file, ...(spec.flags ?? [])];
      logFd = openSync(join(tmp, `${name}.log`), 'a');
    } else {
      cmd = [...vg, process.execPath, join(BENCH, 'servers', spec.script)];
    }
    const env = { PORT: String(port), UP: `http://127.0.0.1:${upPort}`, REDIS_PORT: String(redis.port), ...spec.env };
    const child = SYSCALLS ? new Child(name, cmd[0], cmd.slice(1), { env, cwd: ROOT, stdoutFd: logFd }) : new Child(name, 'valgrind', cmd, { env, cwd: ROOT, stdoutFd: logFd });
    if (typeof logFd === 'number') closeSync(logFd);
    await waitServing(child, port, { healthPath: spec.thv ? '/health' : undefined, timeoutMs: 180_000 });
    const headers = spec.auth || spec.thv === 'auth' ? { authorization: `Bearer ${token}` } : {};
    const warmBad = await load(port, WARMUP, headers);
    if (SYSCALLS) {
      const tasks = readdirSync(`/proc/${child.pid}/task`).flatMap((t) => ['-p', t]);
      const st = spawn('strace', ['-c', '-o', out, ...tasks], { stdio: 'ignore' });
      await new Promise((r) => setTimeout(r, 1000));
      const bad = await load(port, N, headers);
      st.kill('SIGINT');
      await new Promise((r) => st.once('exit', r));
      const text = readFileSync(out, 'utf8');
      const calls = [...text.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$/gm)].filter((m) => m[2] !== 'total');
      const total = calls.reduce((sum, m) => sum + Number(m[1]), 0) / N;
      const rows = calls.map((m) => `${m[2]} ${(Number(m[1]) / N).toFixed(2)}`);
      results.push({ name, irPerReq: total, bad: bad + warmBad, detail: rows.join(', ') });
      process.stderr.write(`${name}: ${total.toFixed(2)} syscalls/request: ${rows.join(', ')}\n`);
      await child.stop();
      continue;
    }
    execFileSync('callgrind_control', ['--zero', String(child.pid)], { stdio: 'ignore' });
    const bad = await load(port, N, headers);
    execFileSync('callgrind_control', ['--dump=measured', String(child.pid)], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 500));
    const dumps = readdirSync(tmp).filter((f) => f.startsWith(`${name}.cg`) && f !== `${name}.cg`);
    if (KEEP) for (const f of dumps) copyFileSync(join(tmp, f), join(KEEP, f));
    const ir = dumps.reduce((sum, f) => sum + totalIr(join(tmp, f)), 0);
    const jit = dumps.reduce((sum, f) => sum + compilerIr(join(tmp, f)), 0);
    results.push({ name, irPerReq: ir / N, noJitPerReq: (ir - jit) / N, bad: bad + warmBad });
    process.stderr.write(`${name}: ${(ir / N / 1000).toFixed(1)} k instructions/request, ${((ir - jit) / N / 1000).toFixed(1)} k without the optimizing compiler (${bad + warmBad} non-200${statuses.size ? `: ${JSON.stringify(Object.fromEntries(statuses))}` : ''})\n`);
    statuses.clear();
    await child.stop();
  }
  const base = results.find((r) => r.name === 'P1');
  const unit = SYSCALLS ? 'system calls / request' : 'k instructions / request';
  const scale = SYSCALLS ? 1 : 1000;
  if (SYSCALLS) {
    console.log(`| server | ${unit} | vs P1 | calls |`);
    console.log('|---|---|---|---|');
    for (const r of results) console.log(`| ${r.name} | ${r.irPerReq.toFixed(2)} | ${base ? (r.irPerReq / base.irPerReq).toFixed(2) : '—'} | ${r.detail} |`);
  } else {
    // "without the compiler": TurboFan's background compile jobs left out — what a request costs
    // once the code is optimized, which is what a long-running proxy pays.
    console.log(`| server | ${unit} | vs P1 | without the optimizing compiler | vs P1 |`);
    console.log('|---|---|---|---|---|');
    for (const r of results) console.log(`| ${r.name} | ${(r.irPerReq / scale).toFixed(1)} | ${base ? (r.irPerReq / base.irPerReq).toFixed(2) : '—'} | ${(r.noJitPerReq / scale).toFixed(1)} | ${base ? (r.noJitPerReq / base.noJitPerReq).toFixed(2) : '—'} |`);
  }
}

try {
  await main();
} finally {
  await stopAll();
  await stopRedis();
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(process.exitCode ?? 0);
