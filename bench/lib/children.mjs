// Child processes of the benchmark: started with a name, awaited until they serve, and all
// stopped (by their own pid, SIGTERM then SIGKILL) when the benchmark ends or is interrupted.
import { spawn } from 'node:child_process';
import net from 'node:net';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

const started = new Set();

export class Child {
  #proc;
  #stderr = '';
  constructor(name, command, args, { env = {}, cwd, stdoutFd = 'ignore' } = {}) {
    this.name = name;
    // stdout goes to /dev/null unless `stdoutFd` names a file descriptor: thv-proxy scenarios
    // write their request log to a real file (as operators run it: the write(2) reaches a page
    // cache, not the null device), the baselines print nothing per request.
    this.#proc = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', stdoutFd, 'pipe'] });
    this.#proc.stderr.setEncoding('utf8');
    this.#proc.stderr.on('data', (d) => { this.#stderr = (this.#stderr + d).slice(-4000); });
    this.exited = new Promise((resolve) => {
      this.#proc.once('exit', (code, signal) => resolve({ code, signal }));
      // not startable at all (e.g. redis-server not installed): reported by waitServing
      this.#proc.once('error', (err) => { this.#stderr += `cannot start ${command}: ${err.message}`; resolve({ code: -1, signal: null }); });
    });
    this.exitCode = null;
    this.exited.then(({ code }) => { this.exitCode = code; started.delete(this); });
    started.add(this);
  }
  get pid() { return this.#proc.pid; }
  get alive() { return this.#proc.exitCode === null && this.#proc.signalCode === null; }
  get stderr() { return this.#stderr; }
  async stop(graceMs = 12_000) {
    if (!this.alive) return;
    this.#proc.kill('SIGTERM');
    const timer = setTimeout(() => { if (this.alive) this.#proc.kill('SIGKILL'); }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function stopAll() {
  await Promise.all([...started].map((c) => c.stop(3000)));
}

function tcpOpen(port) {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

function httpStatus(port, path) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 1000 }, (res) => { res.resume(); resolve(res.statusCode); });
    req.once('error', () => resolve(0));
    req.once('timeout', () => { req.destroy(); resolve(0); });
  });
}

/** Waits until the child accepts TCP connections (or, with `healthPath`, answers it with 200). */
export async function waitServing(child, port, { healthPath, timeoutMs = 20_000 } = {}) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!child.alive) throw new Error(`${child.name} exited (code ${child.exitCode}) before serving:\n${child.stderr}`);
    if (healthPath ? (await httpStatus(port, healthPath)) === 200 : await tcpOpen(port)) return;
    await sleep(100);
  }
  throw new Error(`${child.name} did not serve on port ${port} within ${timeoutMs} ms:\n${child.stderr}`);
}
