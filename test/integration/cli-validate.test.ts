// §1 `thv-proxy validate` through the real binary (bin/thv-proxy -> dist/, built by `npm run
// build` before the tests): exit codes, the chain, pointed problem lines, --json, --version.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'thv-proxy');
// tap's process-info hooks patch child_process to put their loader in NODE_OPTIONS, and under
// that loader the extensionless ESM bin/thv-proxy fails to load. `env -u` drops it for real, so
// the binary runs exactly as a user runs it.

function thv(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const dir = mkdtempSync(join(tmpdir(), 'thv-cli-int-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: string): string {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
}

t.test('§1 validate runconfig.example.json exits 0 and prints the chain', async (t) => {
  const r = await thv('validate', 'runconfig.example.json');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /1\. body-limit: max 8388608 bytes\n2\. host-guard: .*\n3\. parser: .*\n4\. stdio-endpoint: .*\n5\. rate-limit: shared 100\/1m0s, tool:echo 10\/1m0s.*\n-> proxy: stdio: node /);
  t.notMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});

t.test('§1 a config with three problems prints three pointed lines and exits 1', async (t) => {
  const p = file('three.json', JSON.stringify({
    name: 'search-server',
    command: 'node',
    rate_limit_config: {
      shared: { maxTokens: 0, refillPeriod: '1m0s' },
      tools: [
        { name: 'search', shared: { maxTokens: 5, refillPeriod: '1m0s' } },
        { name: 'search', shared: { maxTokens: 5, refillPeriod: '1d' } },
      ],
    },
    scaling_config: { session_redis: { address: '127.0.0.1:6379' } },
  }, null, 2));
  const r = await thv('validate', p);
  t.equal(r.code, 1);
  // Schema problems first, then the semantic rules'; each its own line.
  const lines = r.stderr.trim().split('\n').sort();
  t.equal(lines.length, 3, r.stderr);
  t.equal(lines[0], `${p}: /rate_limit_config/shared/maxTokens: must be an integer >= 1`);
  t.equal(lines[1], `${p}: /rate_limit_config/tools/1/name: duplicate tool name "search"`);
  t.match(lines[2], `${p}: /rate_limit_config/tools/1/shared/refillPeriod: time: unknown unit "d" in duration "1d"`);
});

t.test('§1 an unknown command or flag exits 2', async (t) => {
  const cmd = await thv('nonsense');
  t.equal(cmd.code, 2);
  t.match(cmd.stderr, /unknown command 'nonsense'/);
  const flag = await thv('validate', 'runconfig.example.json', '--frobnicate');
  t.equal(flag.code, 2);
  t.match(flag.stderr, /unknown option '--frobnicate'/);
});

t.test('§1 validate --json prints one object with the documented shape', async (t) => {
  const r = await thv('validate', 'runconfig.example.json', '--json');
  t.equal(r.code, 0);
  const report = JSON.parse(r.stdout);
  t.strictSame(Object.keys(report).sort(), ['chain', 'errors', 'valid', 'warnings']);
  t.equal(report.valid, true);
  t.equal(report.chain.at(-1).type, 'proxy');
  const bad = await thv('validate', file('bad.json', '{"name": "x", "command": "node", "port": -1}'), '--json');
  t.equal(bad.code, 1);
  t.strictSame(JSON.parse(bad.stdout).errors, [{ path: '/port', message: 'must be an integer between 0 and 65535' }]);
});

t.test('§1 a missing file exits 1 naming the path', async (t) => {
  const missing = join(dir, 'nowhere.json');
  const r = await thv('validate', missing);
  t.equal(r.code, 1);
  t.match(r.stderr, missing);
  t.match(r.stderr, /no such file/);
});

t.test('§1 a file that is not JSON exits 1 with line and column', async (t) => {
  const p = file('broken.json', '{\n  "name": "x",\n  "port": 80,,\n}\n');
  const r = await thv('validate', p);
  t.equal(r.code, 1);
  t.match(r.stderr, `${p}: not valid JSON at line 3, column 14`);
});

t.test('§1 --version prints the package version; validate --help exits 0', async (t) => {
  const v = await thv('--version');
  t.equal(v.code, 0);
  t.match(v.stdout, /^\d+\.\d+\.\d+/);
  const h = await thv('validate', '--help');
  t.equal(h.code, 0);
  t.match(h.stdout, /Usage: thv-proxy validate/);
  t.match(h.stdout, /--json/);
});
