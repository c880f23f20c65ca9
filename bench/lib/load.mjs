// Load from a separate process, never from the measured one: wrk where installed (one thread,
// like the anchors), else autocannon's own CLI in a child node process.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { createRequire } from 'node:module';

const HEADERS = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };

function hasWrk() {
  try { execFileSync('wrk', ['--version'], { stdio: 'ignore' }); return true; } catch (e) { return e.code !== 'ENOENT' && e.status !== 127; }
}

export function pickLoader(wanted) {
  if (wanted === 'wrk' || (wanted === 'auto' && hasWrk())) return new WrkLoader();
  return new AutocannonLoader();
}

const run = (cmd, args, timeoutMs) => new Promise((resolve, reject) => {
  execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
    if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`)); else resolve(stdout);
  });
});

const UNIT_MS = { us: 1e-3, ms: 1, s: 1e3, m: 60e3 };
function wrkLatencyMs(out, pct) {
  const m = out.match(new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'));
  return m ? Number(m[1]) * UNIT_MS[m[2]] : NaN;
}

class WrkLoader {
  name = 'wrk';
  #dir = mkdtempSync(join(tmpdir(), 'thv-bench-'));
  #scripts = new Map();
  #script(body, extra) {
    const key = `${body}\n${JSON.stringify(extra ?? {})}`;
    let file = this.#scripts.get(key);
    if (!file) {
      file = join(this.#dir, `body${this.#scripts.size}.lua`);
      const headers = Object.entries({ ...HEADERS, ...extra }).map(([k, v]) => `wrk.headers["${k}"] = "${v}"`).join('\n');
      writeFileSync(file, `wrk.method = "POST"\n${headers}\nwrk.body = [[${body}]]\n`);
      this.#scripts.set(key, file);
    }
    return file;
  }
  async run({ url, body, seconds, connections, headers: extra }) {
    const out = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', this.#script(body, extra), url], (seconds + 30) * 1000);
    const requests = Number(out.match(/(\d+) requests in ([\d.]+)(ms|s|m)/)?.[1]);
    const non2xx = Number(out.match(/Non-2xx or 3xx responses: (\d+)/)?.[1] ?? 0);
    const sock = out.match(/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
    return {
      requests, rps: Number(out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]),
      p50Ms: wrkLatencyMs(out, 50), p99Ms: wrkLatencyMs(out, 99), non2xx,
      errors: sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0,
    };
  }
  close() { rmSync(this.#dir, { recursive: true, force: true }); }
}

class AutocannonLoader {
  name = 'autocannon';
  #cli = join(dirname(createRequire(import.meta.url).resolve('autocannon/package.json')), 'autocannon.js');
  async run({ url, body, seconds, connections, headers: extra }) {
    const headers = Object.entries({ ...HEADERS, ...extra }).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
    const out = await run(process.execPath, [this.#cli, '-j', '-n', '-c', String(connections), '-d', String(seconds), '-m', 'POST', ...headers, '-b', body, url], (seconds + 30) * 1000);
    const r = JSON.parse(out);
    const requests = r.requests.total;
    return {
      requests, rps: requests / (r.duration || seconds),
      p50Ms: r.latency.p50, p99Ms: r.latency.p99, non2xx: r.non2xx ?? 0, errors: (r.errors ?? 0) + (r.timeouts ?? 0),
    };
  }
  close() {}
}
