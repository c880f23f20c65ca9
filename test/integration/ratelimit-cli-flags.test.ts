// SPEC §1/§4 the rate-limit flags of `run` and `dry-run`, from the command line:
// - `--rate-limit-code <-32029|429>`: the JSON-RPC code of the rejection; HTTP 429, Retry-After
//   and `data` the same either way;
// - `--rate-limit-failure-mode open|closed`: closed answers 503 / -32603 when the check fails;
// - `dry-run --consume --store memory` says that it has no lasting effect (text and --json).
// dry-run runs in-process through main(); `run` as the real binary (needs dist/:
// `npx tsc -p tsconfig.json`), against a real redis-server.
import t from 'tap';
import { main } from '../../src/cli/main.js';
import type { RunConfigFile } from '../../src/config/types.js';
import { MEMORY_CONSUME_NOTE } from '../../src/dryrun/dryRun.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { startSlowRedis, type SlowRedis } from '../helpers/slowRedis.js';
import { httpConfig, spawnProxy, writeConfigFile } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';

const CALL = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"search","arguments":{}}}';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'thv-proxy', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

let redis: RedisHandle;
let slow: SlowRedis;
let upstreamPort: number;
t.before(async () => {
  redis = await startRedis();
  // Every check answered 400 ms late: a 50 ms bound fails it.
  slow = await startSlowRedis(redis.port, 400);
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  upstreamPort = upstream.port;
  t.teardown(() => upstream.close());
});
t.teardown(async () => {
  await slow.close();
  await redis.stop();
});

/** One token per hour for tool "search". */
function config(name: string, redisPort = redis.port): RunConfigFile {
  return httpConfig(upstreamPort, {
    name,
    rate_limit_config: { tools: [{ name: 'search', shared: { maxTokens: 1, refillPeriod: '1h' } }] },
    scaling_config: { session_redis: { address: `127.0.0.1:${redisPort}` } },
  });
}

t.test('§1 run and dry-run list both flags with their defaults; bad values are usage errors (exit 2)', async (t) => {
  for (const command of ['run', 'dry-run']) {
    // commander wraps descriptions: compare with the wrapping undone.
    const help = (await cli(command, '--help')).stdout.replace(/\s+/g, ' ');
    t.match(help, /--rate-limit-failure-mode <mode> .*?\(choices: "open", "closed", default: "open"\)/, `${command} --help: failure mode`);
    t.match(help, /--rate-limit-code <code> .*?\(choices: "-32029", "429", default: "-32029"\)/, `${command} --help: code`);
  }
  const path = writeConfigFile(config('flags-usage'));
  for (const bad of [['--rate-limit-code', '-32000'], ['--rate-limit-code', '32029'], ['--rate-limit-failure-mode', 'maybe'], ['--rate-limit-code']]) {
    const dry = await cli('dry-run', '--config', path, '--request', CALL, '--store', 'memory', ...bad);
    t.equal(dry.code, 2, `dry-run ${bad.join(' ')}`);
    t.match(dry.stderr, /--rate-limit-(code|failure-mode)/);
    const run = await cli('run', '--config', path, '--store', 'memory', ...bad);
    t.equal(run.code, 2, `run ${bad.join(' ')}`);
  }
});

t.test('§4 dry-run --rate-limit-code: -32029 by default, 429 when asked; status, Retry-After and data identical', async (t) => {
  const path = writeConfigFile(config('dry-run-code'));
  t.equal((await cli('dry-run', '--config', path, '--request', CALL, '--consume')).code, 0, 'takes the only token');
  const runs = {
    default: await cli('dry-run', '--config', path, '--request', CALL, '--json'),
    spaced: await cli('dry-run', '--config', path, '--request', CALL, '--json', '--rate-limit-code', '-32029'),
    http: await cli('dry-run', '--config', path, '--request', CALL, '--json', '--rate-limit-code=429'),
  };
  const responses: Record<string, { status: number; headers: Record<string, string>; body: string }> = {};
  for (const [label, r] of Object.entries(runs)) {
    t.equal(r.code, 4, `${label}: rejected (exit 4) ${r.stderr}`);
    responses[label] = (JSON.parse(r.stdout) as { response: (typeof responses)[string] }).response;
  }
  const errorOf = (label: string) => (JSON.parse(responses[label]!.body) as { error: { code: number; message: string; data: unknown } }).error;
  t.equal(errorOf('default').code, -32029);
  t.equal(errorOf('spaced').code, -32029, '--rate-limit-code -32029 (a value that starts with a dash)');
  t.equal(errorOf('http').code, 429);
  for (const label of ['spaced', 'http']) {
    t.equal(responses[label]!.status, 429, `${label}: HTTP 429`);
    t.equal(responses[label]!.headers['retry-after'], responses['default']!.headers['retry-after'], `${label}: same Retry-After`);
    t.same(errorOf(label).data, errorOf('default').data, `${label}: same data`);
    t.equal(errorOf(label).message, 'Rate limit exceeded');
  }
  t.match(errorOf('http').data, { scope: 'tool:search' });
});

t.test('§4 dry-run --rate-limit-failure-mode closed: a failed check shows the 503 a client would get', async (t) => {
  const path = writeConfigFile(config('dry-run-closed', slow.port));
  const open = await cli('dry-run', '--config', path, '--request', CALL, '--rate-limit-timeout', '50ms');
  t.equal(open.code, 0, 'open (default): forwarded');
  t.match(open.stdout, /\nrate-limit: allowed unchecked: store failed \(fail-open\)/);
  const closed = await cli('dry-run', '--config', path, '--request', CALL, '--rate-limit-timeout', '50ms', '--rate-limit-failure-mode', 'closed');
  t.equal(closed.code, 4, 'closed: rejected');
  t.match(closed.stdout, /\nrate-limit: refused: store failed \(failure mode closed\): rate-limit check timed out/);
  t.match(closed.stdout, /\nHTTP\/1\.1 503 Service Unavailable\n/);
  t.match(closed.stdout, /\n\{"jsonrpc":"2\.0","id":7,"error":\{"code":-32603,"message":"Rate limiter unavailable"\}\}\n$/);
});

t.test('§1 dry-run --consume --store memory says it has no lasting effect (text and --json), and only then', async (t) => {
  const path = writeConfigFile(config('dry-run-memory'));
  const text = await cli('dry-run', '--config', path, '--request', CALL, '--store', 'memory', '--consume');
  t.equal(text.code, 0);
  t.match(text.stdout, `\nnote: ${MEMORY_CONSUME_NOTE}\nverdict: forward\n`);
  t.match(MEMORY_CONSUME_NOTE, /no lasting effect/);
  const json = await cli('dry-run', '--config', path, '--request', CALL, '--store', 'memory', '--consume', '--json');
  t.same((JSON.parse(json.stdout) as { notes: string[] }).notes, [MEMORY_CONSUME_NOTE]);

  const peek = await cli('dry-run', '--config', path, '--request', CALL, '--store', 'memory', '--json');
  t.notOk('notes' in (JSON.parse(peek.stdout) as object), 'not without --consume');
  const redisConsume = await cli('dry-run', '--config', path, '--request', CALL, '--consume');
  t.notMatch(redisConsume.stdout, /note:/, 'not with Redis, where --consume lasts');
});

async function post(endpoint: string, body: string): Promise<{ status: number; retryAfter: string | null; body: string }> {
  const r = await fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body });
  return { status: r.status, retryAfter: r.headers.get('retry-after'), body: await r.text() };
}

t.test('§4 run --rate-limit-code 429 (the binary): HTTP 429 with Retry-After, JSON-RPC code 429', async (t) => {
  const proxy = await spawnProxy(config('run-code-429'), ['--rate-limit-code', '429']);
  t.teardown(() => proxy.stop());
  t.equal((await post(proxy.endpoint, CALL)).status, 200);
  const r = await post(proxy.endpoint, CALL);
  t.equal(r.status, 429);
  t.ok(Number(r.retryAfter) >= 1, `Retry-After: ${r.retryAfter}`);
  t.same(JSON.parse(r.body), { jsonrpc: '2.0', id: 7, error: { code: 429, message: 'Rate limit exceeded', data: { retryAfterSeconds: Number(r.retryAfter), scope: 'tool:search' } } });
});

t.test('§4 run --rate-limit-failure-mode closed (the binary): a check slower than the bound answers 503', async (t) => {
  const proxy = await spawnProxy(config('run-closed', slow.port), ['--rate-limit-failure-mode', 'closed', '--rate-limit-timeout', '50ms']);
  t.teardown(() => proxy.stop());
  const r = await post(proxy.endpoint, CALL);
  t.equal(r.status, 503);
  t.same(JSON.parse(r.body), { jsonrpc: '2.0', id: 7, error: { code: -32603, message: 'Rate limiter unavailable' } });
  const list = await post(proxy.endpoint, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  t.equal(list.status, 200, 'unlimited methods are not refused');
});
