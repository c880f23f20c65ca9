// A throwaway redis-server per test: free port, no persistence, loopback only. Callers register
// `stop` with t.teardown; a process-exit hook kills any server a crashed test left behind.
// Options add a TLS port (the plaintext port stays, for the test's own redis-cli) and any other
// redis-server arguments (replicaof, cluster-enabled, ...); redisTopology.ts builds Sentinel and
// Cluster setups from these servers.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { tmpdir } from 'node:os';
import { freePort } from './ports.js';

export interface RedisHandle {
  readonly port: number;
  /** The TLS port when started with `tls` (the plaintext `port` stays open for redis-cli). */
  readonly tlsPort: number | undefined;
  /** redis://127.0.0.1:<port> (no password in it). */
  readonly url: string;
  /** Runs redis-cli against this server; resolves with its trimmed stdout. */
  cli(...args: string[]): Promise<string>;
  /** Graceful stop (SIGTERM, wait for exit). Safe to call twice. */
  stop(): Promise<void>;
  /** kill -9, as a crash or an OOM kill would; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Start again on the same port (after kill/stop), empty, and wait until it answers PING. */
  restart(): Promise<void>;
}

export interface RedisTlsFiles {
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
  /** tls-auth-clients: require a client certificate signed by `ca` (default no). */
  readonly authClients?: boolean;
}

export interface StartRedisOptions {
  readonly password?: string;
  readonly port?: number;
  readonly tls?: RedisTlsFiles;
  /** More redis-server arguments, e.g. ['--replicaof', '127.0.0.1', '7000']. */
  readonly args?: readonly string[];
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function cli(port: number, password: string | undefined, args: string[]): Promise<string> {
  const auth = password === undefined ? [] : ['-a', password, '--no-auth-warning'];
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...auth, ...args], { timeout: 5000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout.trim()),
    );
  });
}

/** Spawn a redis-server (or `redis-server <file> --sentinel`) that dies with the test process. */
export function spawnRedisProcess(args: readonly string[]): ChildProcess {
  // In the temp dir: a master that serves a replica writes dump.rdb to its working directory
  // even with `--save ""`, and that must not land in the repository.
  const child = spawn('redis-server', args, { stdio: 'ignore', cwd: tmpdir() });
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function serverArgs(port: number, password: string | undefined, tlsPort: number | undefined, opts: StartRedisOptions): string[] {
  const args = ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1'];
  if (password !== undefined) args.push('--requirepass', password);
  if (opts.tls !== undefined) {
    args.push('--tls-port', String(tlsPort), '--tls-cert-file', opts.tls.cert, '--tls-key-file', opts.tls.key, '--tls-ca-cert-file', opts.tls.ca);
    args.push('--tls-auth-clients', opts.tls.authClients === true ? 'yes' : 'no');
  }
  args.push(...(opts.args ?? []));
  return args;
}

export async function waitForPing(port: number, password: string | undefined, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${child.exitCode}`);
    try {
      if ((await cli(port, password, ['ping'])) === 'PONG') return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
    await sleep(50);
  }
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Start attempts when the port is ours to pick: a port free a moment ago may be taken by then. */
const START_ATTEMPTS = 3;

export async function startRedis(opts: StartRedisOptions = {}): Promise<RedisHandle> {
  const password = opts.password;
  let port = opts.port ?? (await freePort());
  let tlsPort = opts.tls === undefined ? undefined : await freePort();
  let args = serverArgs(port, password, tlsPort, opts);
  let child = spawnRedisProcess(args);
  for (let attempt = 1; ; attempt++) {
    try {
      await waitForPing(port, password, child);
      break;
    } catch (err) {
      // freePort closes its probe before redis-server binds: another process (a parallel test
      // file) can take the port in between, and redis-server exits 1. Only a port we picked
      // can be picked again.
      if (opts.port !== undefined || child.exitCode === null || attempt >= START_ATTEMPTS) throw err;
      port = await freePort();
      tlsPort = opts.tls === undefined ? undefined : await freePort();
      args = serverArgs(port, password, tlsPort, opts);
      child = spawnRedisProcess(args);
    }
  }

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (c.exitCode === null && c.signalCode === null) c.kill(signal);
    await exited(c);
  };

  return {
    port,
    tlsPort,
    url: `redis://127.0.0.1:${port}`,
    cli: (...args) => cli(port, password, args),
    stop: () => stopWith('SIGTERM'),
    kill: () => stopWith('SIGKILL'),
    async restart() {
      await stopWith('SIGKILL');
      child = spawnRedisProcess(args);
      await waitForPing(port, password, child);
    },
  };
}

/**
 * The EXPIRE a token bucket's last write set, in whole seconds: PEXPIRETIME minus that write's
 * Redis TIME (the `last_refill` field). Unlike TTL, it does not count down while a loaded machine
 * runs the test. EXPIRE runs in the same script microseconds after TIME, so the result is a whole
 * number of seconds (up to 200 ms late for a descheduled Redis, 10 ms early for clock rounding);
 * anything else is returned unrounded and fails the caller's equality.
 */
export async function bucketExpirySeconds(redis: RedisHandle, key: string): Promise<number> {
  const expiresAtMs = Number(await redis.cli('PEXPIRETIME', key));
  const writtenAtMs = Number(await redis.cli('HGET', key, 'last_refill')) / 1000;
  const seconds = (expiresAtMs - writtenAtMs) / 1000;
  const whole = Math.round(seconds);
  return seconds - whole > -0.01 && seconds - whole < 0.2 ? whole : seconds;
}
