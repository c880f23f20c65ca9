// §1 the command line in-process: usage errors exit 2, help and version 0, validate's text and
// JSON output and exit codes 0/1. (test/integration/cli-validate.test.ts does the same through
// the real binary.)
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../../src/cli/main.js';

const EXAMPLE = new URL('../../../runconfig.example.json', import.meta.url).pathname;

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'thv-proxy', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'thv-cli-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

t.test('§1 usage errors exit 2 with a message on stderr', async (t) => {
  for (const args of [['nonsense'], ['validate', EXAMPLE, '--bogus'], ['validate', EXAMPLE, '--store', 'disk'], ['run'], ['run', '--config', EXAMPLE, '--port', 'x'], ['run', '--config', EXAMPLE, '--port', '70000'], ['run', '--config', EXAMPLE, '--log-level', 'loud'], ['run', '--config', EXAMPLE, '--max-body', '0'], ['dry-run', '--config', EXAMPLE], ['validate'], ['validate', 'a.json', '--config', 'b.json'], []]) {
    const r = await cli(...args);
    t.equal(r.code, 2, `thv-proxy ${args.join(' ')}`);
    t.match(r.stderr, /error|Usage/, `thv-proxy ${args.join(' ')} says why`);
  }
});

t.test('§1 --help and --version exit 0', async (t) => {
  const v = await cli('--version');
  t.equal(v.code, 0);
  t.match(v.stdout, /^\d+\.\d+\.\d+\n$/);
  for (const args of [['--help'], ['validate', '--help'], ['run', '--help'], ['dry-run', '--help'], ['help', 'validate']]) {
    const r = await cli(...args);
    t.equal(r.code, 0, args.join(' '));
    t.match(r.stdout, /Usage: thv-proxy/, args.join(' '));
  }
});

t.test('§1 validate: a valid config prints the chain in order and exits 0', async (t) => {
  const r = await cli('validate', EXAMPLE);
  t.equal(r.code, 0);
  const lines = r.stdout.trim().split('\n');
  t.match(lines[1], /^1\. body-limit: max 8388608 bytes$/);
  t.match(lines[2], /^2\. host-guard: /);
  t.match(lines[3], /^3\. parser: /);
  t.match(lines[4], /^4\. stdio-endpoint: /);
  t.match(lines[5], /^5\. rate-limit: shared 100\/1m0s, tool:echo 10\/1m0s/);
  t.match(lines[6], /^-> proxy: stdio: node /);
  t.equal(r.stderr, '');
  t.equal((await cli('validate', '--config', EXAMPLE)).code, 0, 'also with --config');
});

t.test('§1 validate: every problem on its own line, exit 1', async (t) => {
  const doc = JSON.parse(JSON.stringify({
    name: 'x', command: 'node', foo: 1,
    rate_limit_config: { shared: { maxTokens: 0, refillPeriod: '1m' }, tools: [{ name: 'a', shared: { maxTokens: 1, refillPeriod: '1s' } }, { name: 'a', shared: { maxTokens: 1, refillPeriod: '1s' } }] },
    scaling_config: { session_redis: { address: '127.0.0.1:6379' } },
  }));
  const p = file('three.json', doc);
  const r = await cli('validate', p);
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  t.strictSame(r.stderr.trim().split('\n'), [
    `${p}: /foo: unknown field "foo"`,
    `${p}: /rate_limit_config/shared/maxTokens: must be an integer >= 1`,
    `${p}: /rate_limit_config/tools/1/name: duplicate tool name "a"`,
  ]);
});

t.test('§1 validate --json: the same result as one object, same exit codes', async (t) => {
  const ok = await cli('validate', EXAMPLE, '--json', '--store', 'memory');
  t.equal(ok.code, 0);
  const report = JSON.parse(ok.stdout);
  t.equal(report.valid, true);
  t.strictSame(report.errors, []);
  t.strictSame(report.warnings, ['rate limits hold per process only (--store memory)']);
  t.strictSame(report.chain.map((c: { type: string }) => c.type), ['body-limit', 'host-guard', 'mcp-parser', 'stdio-endpoint', 'rate-limit', 'proxy']);
  for (const c of report.chain) t.strictSame(Object.keys(c).sort(), ['name', 'summary', 'type']);

  const bad = await cli('validate', file('bad.json', { name: 'x', command: 'node', port: 'eighty' }), '--json');
  t.equal(bad.code, 1);
  t.strictSame(JSON.parse(bad.stdout), { valid: false, errors: [{ path: '/port', message: 'must be an integer, not a string' }], warnings: [], chain: [] });
});

t.test('§1 validate: unreadable and non-JSON files exit 1 naming the file', async (t) => {
  const missing = join(dir, 'missing.json');
  const r = await cli('validate', missing);
  t.equal(r.code, 1);
  t.match(r.stderr, `cannot read the config file "${missing}": no such file`);
  const notJson = file('not.json', '{\n  "name": "x",\n  oops\n}');
  const j = await cli('validate', notJson);
  t.equal(j.code, 1);
  t.equal(j.stderr, `${notJson}: not valid JSON at line 3, column 3: expected a property name in double quotes, found "o"\n`);
});

t.test('§1 validate: warnings go to stderr, the chain to stdout', async (t) => {
  const p = file('warn.json', { name: 'x', command: 'node', image: 'ghcr.io/x/y' });
  const r = await cli('validate', p);
  t.equal(r.code, 0);
  t.equal(r.stderr, `${p}: warning: image is a ToolHive field thv-proxy ignores\n`);
  t.match(r.stdout, /-> proxy: stdio: node/);
});
