// `thv-proxy dry-run` as an operator runs it: `node bin/thv-proxy dry-run ...` from the repo root
// (needs dist/, built by `npx tsc -p tsconfig.json`), optionally with bytes on stdin, and the
// RunConfig written to a temporary file.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'thv-proxy');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, ms. */
  readonly ms: number;
}

/**
 * Run the binary to completion. tap puts its loader in NODE_OPTIONS, under which the
 * extensionless ESM launcher does not load; `env -u` drops it so the binary runs as a user's does.
 */
export function thv(args: readonly string[], opts: { stdin?: string | Buffer; timeoutMs?: number } = {}): Promise<CliRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, BIN, ...args], {
      cwd: ROOT,
      stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    if (opts.stdin !== undefined) child.stdin!.end(opts.stdin);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`thv-proxy ${args.join(' ')} did not exit within ${opts.timeoutMs ?? 30_000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

/** A scratch directory removed at teardown; `file` writes into it and returns the path. */
export function scratchDir(t: { teardown(fn: () => void): void }): { dir: string; file(name: string, content: string | Buffer | object): string } {
  const dir = mkdtempSync(join(tmpdir(), 'thv-dryrun-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    file(name, content) {
      const p = join(dir, name);
      writeFileSync(p, typeof content === 'string' || Buffer.isBuffer(content) ? content : JSON.stringify(content, null, 2));
      return p;
    },
  };
}
