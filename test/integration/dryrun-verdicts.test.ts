// SPEC §1 dry-run through the real binary, with a real Redis, a real webhook and a real upstream
// that must never be reached: each verdict, the stage that decided, and — for every rejection —
// the exact status, headers and body, compared both with the Rejection of SPEC §7 and with what a
// live proxy (`run`'s chain, in-process, same config, same Redis) answers to the same request.
import t, { type Test } from 'tap';
import type { RunConfigFile } from '../../src/config/types.js';
import { Rejection, type JsonRpcId } from '../../src/errors.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { startWebhookServer, type WebhookServer } from '../helpers/webhookServer.js';
import { startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { scratchDir, thv } from '../helpers/dryrunCli.js';

interface JsonResult {
  verdict: 'forward' | 'reject';
  rejectedBy?: string;
  stages: Array<{ stage: string; outcome: string; summary: string; facts?: Record<string, unknown> }>;
  response?: { status: number; statusText: string; headers: Record<string, string>; body: string };
}

const HOUR_US = 3_600_000_000;

let redis: RedisHandle;
let upstream: RawUpstream;
let webhook: WebhookServer;
t.before(async () => {
  redis = await startRedis();
  upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  webhook = await startWebhookServer({ behaviour: 'allow' });
});
t.teardown(async () => {
  await webhook.close();
  await upstream.close();
  await redis.stop();
});

const scratch = scratchDir(t);

function config(name: string, extra: Partial<RunConfigFile> = {}): RunConfigFile {
  return {
    name,
    transport: 'streamable-http',
    target_host: '127.0.0.1',
    target_port: upstream.port,
    host: '127.0.0.1',
    port: 0,
    rate_limit_config: {
      shared: { maxTokens: 100, refillPeriod: '1h' },
      tools: [{ name: 'search', shared: { maxTokens: 5, refillPeriod: '1h' } }],
    },
    scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } },
    ...extra,
  };
}

function call(id: JsonRpcId, tool: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: { q: 'x' } } });
}

async function dryRunJson(cfgPath: string, request: string, ...more: string[]): Promise<{ code: number | null; json: JsonResult; stderr: string }> {
  const r = await thv(['dry-run', '--config', cfgPath, '--request', request, '--json', ...more]);
  return { code: r.code, json: JSON.parse(r.stdout) as JsonResult, stderr: r.stderr };
}

/** An empty bucket whose last refill lies in the future: elapsed time clamps to 0, so it stays empty. */
async function emptyBucket(key: string): Promise<void> {
  const [sec, usec] = (await redis.cli('TIME')).split('\n').map(Number);
  await redis.cli('HSET', key, 'tokens', '0', 'last_refill', String(sec! * 1_000_000 + usec! + HOUR_US));
}

/** The dry-run's response equals the Rejection and what the live proxy answers, header for header. */
async function sameAsRun(
  t: Test,
  file: RunConfigFile,
  request: string,
  dry: JsonResult,
  expected: Rejection,
  headers: Record<string, string> = {},
): Promise<void> {
  const res = dry.response!;
  t.equal(res.status, expected.status, 'status of the SPEC §7 row');
  t.equal(res.body, expected.body(), 'exact body');
  t.same(res.headers, expected.response().headers, 'exact headers');

  // A 2 s check bound: on a loaded machine the default 250 ms could fail the check open and
  // answer 200 where dry-run (5 s) reports the 429; this comparison is about the answer.
  const proxy = await startInProcess(file, { rateLimitTimeoutMs: 2000 });
  t.teardown(() => proxy.close(1000));
  const live = await postJson(proxy.url, request, headers);
  t.equal(live.status, res.status, 'run answers the same status');
  t.equal(live.body, res.body, 'run answers the same body');
  const liveHeaders = { ...live.headers } as Record<string, unknown>;
  for (const transport of ['date', 'connection', 'keep-alive']) delete liveHeaders[transport];
  t.same(liveHeaders, res.headers, 'run answers the same headers (beyond date/connection)');
}

t.test('§1 an allowed tools/call: exit 0, every stage in chain order, verdict forward, nothing reaches the upstream', async (t) => {
  const file = config('dr-allowed', {
    validating_webhooks: [{ name: 'policy', url: webhook.url, failure_policy: 'fail', tls_config: { insecure_skip_verify: true } }],
  });
  const cfg = scratch.file('allowed.json', file);
  const body = call(1, 'search');
  const before = webhook.calls.length;

  const text = await thv(['dry-run', '--config', cfg, '--request', body]);
  t.equal(text.code, 0, text.stderr);
  const lines = text.stdout.trimEnd().split('\n');
  t.equal(lines.length, 7, text.stdout);
  t.equal(lines[0], `body-limit: ${body.length} bytes`);
  t.equal(lines[1], 'host-guard: Host 127.0.0.1:0 allowed');
  t.equal(lines[2], 'parser: tools/call "search"');
  t.equal(lines[3], 'rate-limit: allowed (shared 100/100, tool:search 5/5)', 'bucket facts, untouched by the peek');
  t.match(lines[4], /^webhook policy: allowed \(200 in \d+ ms\)$/);
  t.equal(lines[5], `proxy: would forward POST /mcp (${body.length} bytes) to streamable-http -> http://127.0.0.1:${upstream.port}`);
  t.equal(lines[6], 'verdict: forward');

  const { code, json } = await dryRunJson(cfg, body);
  t.equal(code, 0);
  t.equal(json.verdict, 'forward');
  t.notOk('response' in json, 'no response when forwarded');
  t.notOk('rejectedBy' in json);
  t.same(json.stages.map((s) => [s.stage, s.outcome]), [
    ['body-limit', 'continue'],
    ['host-guard', 'continue'],
    ['parser', 'continue'],
    ['rate-limit', 'continue'],
    ['webhook policy', 'continue'],
    ['proxy', 'continue'],
  ]);
  t.match(json.stages[2]!.facts, { method: 'tools/call', id: 1, resourceId: 'search' });
  t.same(json.stages[3]!.facts!['buckets'], [
    { key: 'thv:rl:{default:dr-allowed}:shared', scope: 'shared', tokens: 100, capacity: 100 },
    { key: 'thv:rl:{default:dr-allowed}:shared:tool:search', scope: 'tool:search', tokens: 5, capacity: 5 },
  ]);
  t.match(json.stages[4]!.facts, { webhook: 'policy', outcome: 'allow', status: 200, latencyMs: Number });

  t.equal(webhook.calls.length, before + 2, 'the webhook is queried for real, once per dry-run');
  t.ok(webhook.calls.at(-1)!.raw.includes(Buffer.from(`"mcp_request":${body}`)), 'with the request embedded byte for byte');
  t.equal(upstream.requests.length, 0, 'the upstream never saw a request');
  t.equal(await redis.cli('DBSIZE'), '0', 'nothing was written to Redis');
});

t.test('§4 rejected by the shared bucket: exit 4, rate-limit named, the exact 429 run sends', async (t) => {
  const file = config('dr-shared');
  const cfg = scratch.file('shared.json', file);
  await emptyBucket('thv:rl:{default:dr-shared}:shared');
  const body = call('req-7', 'search');

  const text = await thv(['dry-run', '--config', cfg, '--request', body]);
  t.equal(text.code, 4, text.stderr);
  t.match(text.stdout, /\nrate-limit: rejected by shared \(0\/100, retry in 36s\)\nverdict: reject \(by rate-limit\)\n\nHTTP\/1\.1 429 Too Many Requests\ncontent-type: application\/json\nretry-after: 36\ncontent-length: \d+\n\n\{/);

  const { code, json } = await dryRunJson(cfg, body);
  t.equal(code, 4);
  t.equal(json.verdict, 'reject');
  t.equal(json.rejectedBy, 'rate-limit');
  t.equal(json.stages.at(-1)!.stage, 'rate-limit', 'no stage after the rejecting one');
  t.equal(json.response!.statusText, 'Too Many Requests');
  const expected = new Rejection('RATE_LIMITED', 'req-7', { headers: { 'retry-after': '36' }, data: { retryAfterSeconds: 36, scope: 'shared' } });
  t.equal(json.response!.body, '{"jsonrpc":"2.0","id":"req-7","error":{"code":-32029,"message":"Rate limit exceeded","data":{"retryAfterSeconds":36,"scope":"shared"}}}');
  await sameAsRun(t, file, body, json, expected);
});

t.test('§4 rejected by the tool bucket after five --consume runs drained it', async (t) => {
  const file = config('dr-tool');
  const cfg = scratch.file('tool.json', file);
  const body = call(42, 'search');
  for (let i = 1; i <= 5; i++) {
    const { code, json } = await dryRunJson(cfg, body, '--consume');
    t.equal(code, 0, `consume run ${i} is allowed`);
    t.equal(json.stages[3]!.facts!['consumed'], true);
  }
  const { code, json } = await dryRunJson(cfg, body);
  t.equal(code, 4);
  t.equal(json.rejectedBy, 'rate-limit');
  t.match(json.stages[3]!.summary, /^rejected by tool:search \(0\/5, retry in \d+s\)$/);
  const retry = Number(json.response!.headers['retry-after']);
  t.ok(retry > 600 && retry <= 720, `5 tokens per hour: just under 720 s to the next (${retry})`);
  const expected = new Rejection('RATE_LIMITED', 42, { headers: { 'retry-after': String(retry) }, data: { retryAfterSeconds: retry, scope: 'tool:search' } });
  t.equal(json.response!.body, expected.body());

  // The same against a live proxy, with the bucket emptied deterministically (retry exactly 720).
  await emptyBucket('thv:rl:{default:dr-tool}:shared:tool:search');
  const again = await dryRunJson(cfg, body);
  t.equal(again.code, 4);
  const exact = new Rejection('RATE_LIMITED', 42, { headers: { 'retry-after': '720' }, data: { retryAfterSeconds: 720, scope: 'tool:search' } });
  await sameAsRun(t, file, body, again.json, exact);
});

t.test('§5 rejected by a webhook answering allowed:false: exit 4, the webhook named, 403 -> same as run', async (t) => {
  const deny = await startWebhookServer({ behaviour: 'deny', message: 'search is off on Sundays' });
  t.teardown(() => deny.close());
  const file = config('dr-webhook', {
    validating_webhooks: [
      { name: 'audit', url: webhook.url, failure_policy: 'fail', tls_config: { insecure_skip_verify: true } },
      { name: 'policy', url: deny.url, timeout: '2s', failure_policy: 'fail', tls_config: { insecure_skip_verify: true } },
    ],
  });
  const cfg = scratch.file('webhook.json', file);
  const body = call(9, 'search');

  const text = await thv(['dry-run', '--config', cfg, '--request', body]);
  t.equal(text.code, 4, text.stderr);
  t.match(text.stdout, /\nwebhook audit: allowed \(200 in \d+ ms\)\nwebhook policy: denied: search is off on Sundays \(in \d+ ms\)\nverdict: reject \(by webhook policy\)\n\nHTTP\/1\.1 403 Forbidden\n/);

  const { code, json } = await dryRunJson(cfg, body);
  t.equal(code, 4);
  t.equal(json.rejectedBy, 'webhook policy');
  t.match(json.stages.at(-1)!.facts, { webhook: 'policy', outcome: 'deny', status: 200, message: 'search is off on Sundays', latencyMs: Number });
  t.notMatch(json.response!.body, /Sundays/, "the webhook's message is not shown to the client");
  await sameAsRun(t, file, body, json, new Rejection('WEBHOOK_DENIED', 9));
  t.equal(upstream.requests.length, 0, 'the upstream never saw a request');
});

t.test('§3 rejected by the parser: invalid JSON is 400 -32700, a batch is 400 -32600 — as run sends them', async (t) => {
  const file = config('dr-parser');
  const cfg = scratch.file('parser.json', file);

  const broken = '{"jsonrpc":"2.0","id":1,"method":';
  const text = await thv(['dry-run', '--config', cfg, '--request', broken]);
  t.equal(text.code, 4, text.stderr);
  t.match(text.stdout, /\nparser: rejected: Parse error \(.+\)\nverdict: reject \(by parser\)\n\nHTTP\/1\.1 400 Bad Request\n/);
  const invalid = await dryRunJson(cfg, broken);
  t.equal(invalid.code, 4);
  t.equal(invalid.json.rejectedBy, 'parser');
  await sameAsRun(t, file, broken, invalid.json, new Rejection('PARSE_ERROR', undefined));

  const batch = `[${call(1, 'search')},${call(2, 'search')}]`;
  const batched = await dryRunJson(cfg, batch);
  t.equal(batched.code, 4);
  t.equal(batched.json.rejectedBy, 'parser');
  t.equal(batched.json.response!.body, '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request: JSON-RPC batching is not supported"}}');
  await sameAsRun(t, file, batch, batched.json, new Rejection('BATCH_NOT_SUPPORTED', undefined));
  t.equal(await redis.cli('EXISTS', 'thv:rl:{default:dr-parser}:shared'), '0', 'no bucket read or written for rejected bodies');
});

t.test('§6 --header Origin: http://evil.example is refused by the host guard, as run refuses it', async (t) => {
  const file = config('dr-origin');
  const cfg = scratch.file('origin.json', file);
  const body = call(3, 'search');
  const text = await thv(['dry-run', '--config', cfg, '--request', body, '--header', 'Origin: http://evil.example']);
  t.equal(text.code, 4, text.stderr);
  t.match(text.stdout, /^body-limit: \d+ bytes\nhost-guard: Origin "http:\/\/evil\.example" not allowed\nverdict: reject \(by host-guard\)\n/);

  const { code, json } = await dryRunJson(cfg, body, '-H', 'origin:http://evil.example');
  t.equal(code, 4, 'header names are case-insensitive, the space after the colon optional');
  t.equal(json.rejectedBy, 'host-guard');
  await sameAsRun(t, file, body, json, new Rejection('HOST_NOT_ALLOWED', undefined), { origin: 'http://evil.example' });

  const allowed = await dryRunJson(cfg, body, '--header', 'Origin: http://localhost:3000');
  t.equal(allowed.code, 0, 'a loopback Origin passes');
});
