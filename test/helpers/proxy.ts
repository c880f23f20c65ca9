// Starting thv-proxy in tests, two ways:
// - in-process with startProxy (fast; the config goes through the real loader), logs collected
//   as parsed JSON lines;
// - as `node bin/thv-proxy run --config <tmpfile>`, the way an operator runs it (needs dist/,
//   built by `npx tsc -p tsconfig.json`): waits for the "serving" line, collects stdout/stderr,
//   stops with a signal and reports the exit code.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { RunConfigFile } from '../../src/config/types.js';
import { loadConfigText } from '../../src/config/load.js';
import { createLogger } from '../../src/observability/logger.js';
import { startProxy, type RunningProxy, type StartOptions } from '../../src/server/start.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'thv-proxy');

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

/** A RunConfig for an HTTP upstream on 127.0.0.1:<port>; the proxy picks a free port. */
export function httpConfig(upstreamPort: number, extra: Partial<RunConfigFile> = {}): RunConfigFile {
  return { name: 'test-server', transport: 'streamable-http', target_host: '127.0.0.1', target_port: upstreamPort, port: 0, ...extra };
}

export interface InProcessProxy extends RunningProxy {
  readonly logs: LogLine[];
  /** Request log lines (msg "request"). */
  requestLogs(): LogLine[];
}

/** Start the proxy in this process from a RunConfig object (through the real loader). */
export async function startInProcess(file: RunConfigFile, opts: Omit<StartOptions, 'logger'> & { store?: 'redis' | 'memory' } = {}): Promise<InProcessProxy> {
  const loaded = loadConfigText(JSON.stringify(file), 'test-config.json', { store: opts.store }, process.env);
  if (!loaded.ok) throw new Error(`test config invalid: ${JSON.stringify(loaded.errors)}`);
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      cb();
    },
  });
  const logger = createLogger({ level: 'debug', destination: sink });
  const proxy = await startProxy(loaded.config, { logger, ...opts });
  return { ...proxy, logs, requestLogs: () => logs.filter((l) => l.msg === 'request') };
}

export interface ChildProxy {
  readonly child: ChildProcess;
  /** Base URL from the "serving" line. */
  readonly url: string;
  readonly endpoint: string;
  readonly stdoutLines: string[];
  readonly stderr: () => string;
  /** Send a signal and wait for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export function writeConfigFile(file: RunConfigFile | string): string {
  const dir = mkdtempSync(join(tmpdir(), 'thv-proxy-test-'));
  const path = join(dir, 'runconfig.json');
  writeFileSync(path, typeof file === 'string' ? file : JSON.stringify(file, null, 2));
  return path;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Run the CLI to completion (for startup failures). */
export function runCli(args: string[], timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`thv-proxy ${args.join(' ')} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `thv-proxy run --config <file> ...args`, resolved once it logs that it serves. */
export async function spawnProxy(file: RunConfigFile | string, args: string[] = [], timeoutMs = 20_000): Promise<ChildProxy> {
  const path = writeConfigFile(file);
  const child = spawn(process.execPath, [BIN, 'run', '--config', path, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdoutLines: string[] = [];
  let stderr = '';
  let partial = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const serving = new Promise<{ url: string; endpoint: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "serving" line within ${timeoutMs} ms\n${stdoutLines.join('\n')}\n${stderr}`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        stdoutLines.push(line);
        if (line.includes('thv-proxy serving')) {
          clearTimeout(timer);
          const parsed = JSON.parse(line) as { url: string; endpoint: string };
          resolve({ url: parsed.url, endpoint: parsed.endpoint });
        }
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`thv-proxy exited with ${code} before serving\n${stdoutLines.join('\n')}\n${stderr}`));
    });
  });
  const { url, endpoint } = await serving;
  return {
    child,
    url,
    endpoint,
    stdoutLines,
    stderr: () => stderr,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return await exited;
    },
  };
}
