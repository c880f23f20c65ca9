// SPEC §1 dry-run's command line through the real binary: where the request comes from
// (inline, @file, stdin), the exit codes of every failure (2 usage, 1 config, 3 Redis), --store
// memory without any Redis, no stdio child started, and the README's example verbatim.
import net from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import type { RunConfigFile } from '../../src/config/types.js';
import { freePort } from '../helpers/ports.js';
import { ROOT, scratchDir, thv } from '../helpers/dryrunCli.js';

const scratch = scratchDir(t);
const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}';

function config(redisPort: number, extra: Partial<RunConfigFile> = {}): RunConfigFile {
  return {
    name: 'cli',
    transport: 'streamable-http',
    target_host: '127.0.0.1',
    target_port: 9,
    rate_limit_config: { shared: { maxTokens: 100, refillPeriod: '1m0s' }, tools: [{ name: 'search', shared: { maxTokens: 5, refillPeriod: '1m0s' } }] },
    scaling_config: { session_redis: { address: `127.0.0.1:${redisPort}` } },
    ...extra,
  };
}

/** A port nothing listens on: Redis there is refused at once. */
let deadPort: number;
let memoryCfg: string;
t.before(async () => {
  deadPort = await freePort();
  memoryCfg = scratch.file('memory.json', config(deadPort));
});

t.test('§1 --request - reads the request from standard input, byte for byte', async (t) => {
  const body = `${CALL}\r\n`;
  const r = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory', '--request', '-'], { stdin: body });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^body-limit: ${Buffer.byteLength(body)} bytes\n`), 'every byte counted, the CRLF too');
  t.match(r.stdout, /\nparser: tools\/call "search"\n/);

  const broken = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory', '--request', '-'], { stdin: '{"jsonrpc":"2.0",' });
  t.equal(broken.code, 4, 'not JSON on stdin: judged like any client body');
  t.match(broken.stdout, /\{"jsonrpc":"2.0","error":\{"code":-32700,"message":"Parse error"\}\}\n$/);
});

t.test('§1 --request @file reads the file; a missing file or no --request at all is exit 2', async (t) => {
  const path = scratch.file('request.json', `${CALL}\n`);
  const r = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory', '--request', `@${path}`, '--json']);
  t.equal(r.code, 0, r.stderr);
  const json = JSON.parse(r.stdout) as { verdict: string; stages: Array<{ stage: string; facts?: { bytes?: number } }> };
  t.equal(json.verdict, 'forward');
  t.equal(json.stages[0]!.facts!.bytes, Buffer.byteLength(`${CALL}\n`), 'the file as it is, trailing newline included');

  const missing = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory', '--request', `@${join(scratch.dir, 'nope.json')}`]);
  t.equal(missing.code, 2);
  t.equal(missing.stdout, '');
  t.match(missing.stderr, /nope\.json.*ENOENT/);

  const none = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory']);
  t.equal(none.code, 2);
  t.match(none.stderr, /--request/);

  const badHeader = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory', '--request', CALL, '--header', 'no colon here']);
  t.equal(badHeader.code, 2);
  t.match(badHeader.stderr, /--header "no colon here": expected "Name: value"/);

  const unknown = await thv(['dry-run', '--config', memoryCfg, '--request', CALL, '--consumed']);
  t.equal(unknown.code, 2, 'an unknown flag');
});

t.test('§1 an invalid config is exit 1 with a pointed line, before any Redis is tried', async (t) => {
  const bad = scratch.file('bad.json', config(deadPort, { rate_limit_config: { shared: { maxTokens: 0, refillPeriod: '1m0s' } } }));
  const r = await thv(['dry-run', '--config', bad, '--request', CALL]);
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  t.match(r.stderr, `${bad}: /rate_limit_config/shared/maxTokens`);
  t.notMatch(r.stderr, /Redis|at .*\.js:\d+/, 'no Redis error, no stack trace');

  const notJson = scratch.file('not.json', '{ name: ');
  t.equal((await thv(['dry-run', '--config', notJson, '--request', CALL])).code, 1);
  t.equal((await thv(['dry-run', '--config', join(scratch.dir, 'absent.json'), '--request', CALL])).code, 1);
});

t.test('§1 Redis refusing connections: exit 3 within 6 s (or 4 s beyond start-up on a loaded machine), the address named', async (t) => {
  const cfg = scratch.file('refused.json', config(deadPort));
  // Start-up alone (node, imports, config) takes 0.5-1.5 s on a loaded machine: measure it, so
  // the bound checks what dry-run adds, not how busy the machine is.
  const baseline = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory', '--request', CALL]);
  const r = await thv(['dry-run', '--config', cfg, '--request', CALL]);
  t.equal(r.code, 3, r.stderr);
  t.equal(r.stdout, '');
  t.match(r.stderr, `Redis at 127.0.0.1:${deadPort} is unreachable: connect ECONNREFUSED`);
  t.ok(r.ms < 6000 || r.ms - baseline.ms < 4000, `exited after ${r.ms} ms (start-up alone: ${baseline.ms} ms)`);
});

t.test('§1 Redis accepting TCP but never answering: exit 3 at the 5 s bound, not a hang', async (t) => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const port = (silent.address() as net.AddressInfo).port;
  const r = await thv(['dry-run', '--config', scratch.file('silent.json', config(port)), '--request', CALL], { timeoutMs: 20_000 });
  t.equal(r.code, 3, r.stderr);
  t.match(r.stderr, `Redis at 127.0.0.1:${port} is unreachable`);
  // The 5 s bound plus process start-up: about 5.5 s idle, 6.5 s on a loaded 2-core machine.
  t.ok(r.ms < 12_000, `exited after ${r.ms} ms`);
});

t.test('§1 --store memory needs no Redis: the configured address is never contacted', async (t) => {
  const r = await thv(['dry-run', '--config', memoryCfg, '--store', 'memory', '--request', CALL]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /\nrate-limit: allowed \(shared 100\/100, tool:search 5\/5\)\n/);
  t.match(r.stderr, /per process only/, 'a warning says limits are per process');
});

t.test('§1 a stdio config: the MCP server command is never started', async (t) => {
  const marker = join(scratch.dir, 'child-started');
  const cfg = scratch.file('stdio.json', {
    name: 'stdio-cli',
    transport: 'stdio',
    command: process.execPath,
    cmd_args: ['-e', `require('fs').writeFileSync(${JSON.stringify(marker)}, 'started'); setTimeout(() => {}, 60000)`],
  });
  const r = await thv(['dry-run', '--config', cfg, '--request', '{"jsonrpc":"2.0","id":1,"method":"tools/list"}']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /\nproxy: would forward POST \/mcp \(\d+ bytes\) to stdio: /);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.notOk(existsSync(marker), 'the command did not run');
});

t.test("§1 README's dry-run example works verbatim from the repo root", async (t) => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const m = /npx thv-proxy (dry-run [^\n]*?) \\\n\s+--request '([^']+)'/.exec(readme);
  t.ok(m, 'README has a dry-run example');
  if (!m) return;
  const args = [...m[1]!.split(/\s+/), '--request', m[2]!];
  const r = await thv(args);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^body-limit: \d+ bytes\nhost-guard: .*\nparser: tools\/call "echo"\nstdio-endpoint: .*\nrate-limit: allowed \(shared 100\/100, tool:echo 10\/10\)\nproxy: would forward .*\nverdict: forward\n$/);
});
