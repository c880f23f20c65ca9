// SPEC §1 dry-run in-process: the real chain with a recorder terminal and a memory store on a
// frozen clock (so every number is exact). Also keeps docs/dry-run.md in step with the code: its
// text examples and its --json example are what this code prints for the scenario they describe.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { loadConfigOrThrow } from '../../../src/config/load.js';
import { Rejection } from '../../../src/errors.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createMemoryStore } from '../../../src/ratelimit/index.js';
import { dryRun, formatDryRun, type DryRunResult } from '../../../src/dryrun/dryRun.js';
import { RecorderTerminal } from '../../../src/dryrun/recorder.js';
import type { ProxyConfig } from '../../../src/config/types.js';
import type { StageReport } from '../../../src/chain/types.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const README_CALL = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}');
const ECHO_KEY = 'thv:rl:{default:everything}:shared:tool:echo';

let config: ProxyConfig;
t.before(async () => {
  ({ config } = await loadConfigOrThrow(join(ROOT, 'runconfig.example.json'), { store: 'memory' }));
});

function frozenStore() {
  const store = createMemoryStore({ nowUs: () => 1e12 });
  t.teardown(() => store.close());
  return store;
}

function run(store: ReturnType<typeof frozenStore>, body: Buffer, opts: { consume?: boolean; headers?: string[] } = {}): Promise<DryRunResult> {
  return dryRun({ config, body, headerArgs: opts.headers ?? [], consume: opts.consume ?? false, store, logger: silentLogger() });
}

t.test('§1 forward: every stage in chain order, then the recorder; nothing consumed', async (t) => {
  const store = frozenStore();
  const r = await run(store, README_CALL);
  t.equal(r.verdict, 'forward');
  t.equal(r.response, undefined);
  t.same(r.stages.map((s) => s.stage), ['body-limit', 'host-guard', 'parser', 'stdio-endpoint', 'rate-limit', 'proxy']);
  t.ok(r.stages.every((s) => s.outcome === 'continue'));
  t.equal(r.stages[4]!.summary, 'allowed (shared 100/100, tool:echo 10/10)');
  t.equal(store.size, 0, 'the peek created no bucket');
});

t.test('§4 peek reads, --consume takes exactly one token from each bucket', async (t) => {
  const store = frozenStore();
  await run(store, README_CALL, { consume: true });
  t.same(store.inspect(ECHO_KEY), { tokens: 9, lastUs: 1e12 });
  const consumed = await run(store, README_CALL, { consume: true });
  t.equal(consumed.stages[4]!.summary, 'allowed (shared 98/100, tool:echo 8/10)', 'the state after the token was taken');
  t.equal((consumed.stages[4]!.facts as { consumed: boolean }).consumed, true);
  const peeked = await run(store, README_CALL);
  t.equal(peeked.stages[4]!.summary, 'allowed (shared 98/100, tool:echo 8/10)');
  t.equal((peeked.stages[4]!.facts as { consumed: boolean }).consumed, false);
  t.same(store.inspect(ECHO_KEY), { tokens: 8, lastUs: 1e12 }, 'unchanged by the peek');
});

t.test('§4 a rejection carries the Rejection run would write: status, headers with length, body', async (t) => {
  const store = frozenStore();
  for (let i = 0; i < 10; i++) await run(store, README_CALL, { consume: true });
  const r = await run(store, README_CALL);
  t.equal(r.verdict, 'reject');
  t.equal(r.rejectedBy, 'rate-limit');
  const expected = new Rejection('RATE_LIMITED', 1, { headers: { 'retry-after': '6' }, data: { retryAfterSeconds: 6, scope: 'tool:echo' } });
  t.same(r.response, {
    status: 429,
    statusText: 'Too Many Requests',
    headers: { 'content-type': 'application/json', 'retry-after': '6', 'content-length': String(expected.body().length) },
    body: expected.body(),
  });
  t.same(r.stages.map((s) => [s.stage, s.outcome]), [['body-limit', 'continue'], ['host-guard', 'continue'], ['parser', 'continue'], ['stdio-endpoint', 'continue'], ['rate-limit', 'reject']]);
});

t.test('§6 --header reaches the guard; other methods pass rate limiting untouched', async (t) => {
  const store = frozenStore();
  const evil = await run(store, README_CALL, { headers: ['Origin: http://evil.example'] });
  t.equal(evil.rejectedBy, 'host-guard');
  t.equal(evil.response!.body, new Rejection('HOST_NOT_ALLOWED', undefined).body());
  const list = await run(store, Buffer.from('{"jsonrpc":"2.0","id":2,"method":"tools/list"}'));
  t.equal(list.verdict, 'forward');
  t.equal(store.size, 0);
});

t.test('§1 the recorder records instead of forwarding', async (t) => {
  const recorder = new RecorderTerminal('streamable-http -> http://127.0.0.1:9');
  const trace: StageReport[] = [];
  const ctx = { httpMethod: 'POST', url: '/mcp', body: Buffer.from('{}'), trace } as unknown as Parameters<RecorderTerminal['forward']>[0];
  recorder.forward(ctx);
  t.equal(recorder.forwarded, ctx);
  t.same(trace, [
    {
      stage: 'proxy',
      outcome: 'continue',
      summary: 'would forward POST /mcp (2 bytes) to streamable-http -> http://127.0.0.1:9',
      facts: { target: 'streamable-http -> http://127.0.0.1:9', bytes: 2 },
    },
  ]);
});

t.test('docs/dry-run.md shows exactly what dry-run prints for its examples', async (t) => {
  const doc = readFileSync(join(ROOT, 'docs', 'dry-run.md'), 'utf8');
  const indent = (text: string): string =>
    text
      .trimEnd()
      .split('\n')
      .map((l) => (l ? `    ${l}` : ''))
      .join('\n');
  const store = frozenStore();

  const forward = await run(store, README_CALL);
  t.ok(doc.includes(`\n${indent(formatDryRun(forward))}\n`), `forward example:\n${formatDryRun(forward)}`);

  for (let i = 0; i < 10; i++) await run(store, README_CALL, { consume: true });
  const reject = await run(store, README_CALL);
  t.ok(doc.includes(`\n${indent(formatDryRun(reject))}\n`), `reject example:\n${formatDryRun(reject)}`);

  const json = /```json\n([\s\S]*?)\n```/.exec(doc);
  t.ok(json, 'a --json example');
  t.same(JSON.parse(json![1]!), JSON.parse(JSON.stringify(reject)), '--json example');
});
