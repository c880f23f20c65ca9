// Child processes of the conformance run: every one is started in its own process group (so a
// proxy's stdio child dies with it), remembered until it exits, and killed on every way out —
// normal end, failure, Ctrl-C. Nothing here outlives the script.

import { spawn } from 'node:child_process';
import net from 'node:net';

const live = new Set();

function killGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

process.on('exit', () => {
  for (const child of live) killGroup(child, 'SIGKILL');
});

/** A child in its own process group; its output is kept (last 200 chunks) for error messages. */
export function start(command, args, { cwd, env, label }) {
  const child = spawn(command, args, { cwd, env: env ?? process.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  const output = [];
  const keep = (d) => {
    output.push(d.toString());
    if (output.length > 200) output.shift();
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
    child.once('error', (err) => {
      live.delete(child);
      output.push(String(err));
      resolve({ code: null, signal: null, error: err });
    });
  });
  return {
    label,
    child,
    exited,
    output: () => output.join(''),
    running: () => child.exitCode === null && child.signalCode === null && live.has(child),
    /** SIGTERM to the group, SIGKILL after `graceMs`. */
    async stop(graceMs = 5_000) {
      if (!live.has(child)) return exited;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Runs to the end, killed after `timeoutMs`; resolves with exit code and output. */
export async function run(command, args, { cwd, env, label, timeoutMs }) {
  const proc = start(command, args, { cwd, env, label });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop(2_000);
  }, timeoutMs);
  const result = await proc.exited;
  clearTimeout(timer);
  return { ...result, timedOut, output: proc.output() };
}

export async function stopAll() {
  await Promise.all([...live].map((child) => {
    killGroup(child, 'SIGTERM');
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        killGroup(child, 'SIGKILL');
        resolve();
      }, 5_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }));
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls until `probe()` is true; fails early when the process died. */
export async function waitUntil(proc, probe, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!proc.running()) throw new Error(`${proc.label} exited before ${what}:\n${proc.output().slice(-2_000)}`);
    if (await probe().catch(() => false)) return;
    await sleep(150);
  }
  throw new Error(`${proc.label}: no ${what} within ${timeoutMs} ms:\n${proc.output().slice(-2_000)}`);
}

export function portOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function httpOk(url) {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.ok;
}
