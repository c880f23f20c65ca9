// SPEC §4 per-user buckets with §9 identities: each user (the token's `sub`, from a real
// oidc-provider) gets their own capacity, a third user is not affected, the shared bucket still
// caps the sum; ToolHive's keys (`user:<sub>`, `user-tool:<tool>:<sub>`) and bucket order
// (server shared, tool shared, server per-user, tool per-user) in one all-or-nothing script call
// (one EVALSHA per tools/call); the 429 names `user` or `user-tool:<name>`. Redis and the memory
// store alike.
import t, { type Test } from 'tap';
import type { RunConfigFile } from '../../src/config/types.js';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream, type RawUpstream } from '../helpers/upstream.js';
import { postJson } from '../helpers/http.js';

let provider: TestProvider;
let redis: RedisHandle;
let upstream: RawUpstream;
const tokens = new Map<string, string>();
let seq = 0;

t.before(async () => {
  provider = await startOidcProvider();
  redis = await startRedis();
  upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  for (const c of provider.clients) tokens.set(c.id, await provider.token(c));
});

t.teardown(async () => {
  await upstream?.close();
  await redis?.stop();
  await provider?.close();
});

async function proxyFor(t: Test, name: string, rateLimit: RunConfigFile['rate_limit_config'], store: 'redis' | 'memory'): Promise<InProcessProxy> {
  const oidc = { issuer: provider.issuer, audience: provider.audience, insecureAllowHTTP: true, allowPrivateIP: true };
  const file = httpConfig(upstream.port, {
    name,
    rate_limit_config: rateLimit,
    ...(store === 'redis' ? { scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } } } : {}),
    oidc_config: oidc,
  } as Partial<RunConfigFile>);
  // 2 s bound: a loaded Redis must not make a check fail open and turn a 429 into a 200.
  const proxy = await startInProcess(file, { store, rateLimitTimeoutMs: 2000 });
  t.teardown(() => proxy.close(0));
  return proxy;
}

async function callTool(proxy: InProcessProxy, user: string, tool: string): Promise<{ status: number; scope?: string }> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: ++seq, method: 'tools/call', params: { name: tool, arguments: {} } });
  const res = await postJson(proxy.url, body, { authorization: `Bearer ${tokens.get(user)}` });
  if (res.status !== 429) return { status: res.status };
  const parsed = JSON.parse(res.body) as { error: { code: number; data: { scope: string; retryAfterSeconds: number } } };
  return { status: 429, scope: parsed.error.data.scope };
}

const SERVER_LIMITS = { shared: { maxTokens: 5, refillPeriod: '1h' }, perUser: { maxTokens: 2, refillPeriod: '1h' } };

for (const store of ['redis', 'memory'] as const) {
  t.test(`§4 ${store}: two users each get their own capacity, a third is not affected, the shared bucket caps the sum`, async (t) => {
    const name = `per-user-${store}`;
    const proxy = await proxyFor(t, name, SERVER_LIMITS, store);
    const evalBefore = store === 'redis' ? await scriptCalls() : 0;
    t.strictSame(await callTool(proxy, 'alice', 'echo'), { status: 200 });
    t.strictSame(await callTool(proxy, 'alice', 'echo'), { status: 200 });
    t.strictSame(await callTool(proxy, 'alice', 'echo'), { status: 429, scope: 'user' }, 'alice used her 2');
    t.strictSame(await callTool(proxy, 'bob', 'echo'), { status: 200 }, 'bob has his own bucket');
    t.strictSame(await callTool(proxy, 'bob', 'echo'), { status: 200 });
    t.strictSame(await callTool(proxy, 'bob', 'echo'), { status: 429, scope: 'user' });
    t.strictSame(await callTool(proxy, 'carol', 'echo'), { status: 200 }, 'carol is not affected by alice and bob');
    // 5 calls went through: the shared bucket is empty, whatever carol's own bucket holds.
    t.strictSame(await callTool(proxy, 'carol', 'echo'), { status: 429, scope: 'shared' }, 'the shared bucket caps the sum');
    if (store === 'redis') {
      const key = (suffix: string): string => `thv:rl:{default:${name}}:${suffix}`;
      t.equal(Math.round(await tokensOf(key('user:alice'))), 0, 'ToolHive key user:<sub>');
      t.equal(Math.round(await tokensOf(key('user:bob'))), 0);
      // All-or-nothing: carol's refused call took nothing from her own bucket; alice's refused
      // calls took nothing from the shared one (5 granted calls, 5 tokens gone, not 6 or 7).
      t.equal(Math.round(await tokensOf(key('user:carol'))), 1, 'the refused call consumed nothing');
      t.equal(Math.round(await tokensOf(key('shared'))), 0);
      t.equal((await scriptCalls()) - evalBefore, 8, 'one script call per tools/call, per-user buckets included');
    }
  });
}

t.test('§4 tool per-user buckets: user-tool:<tool>:<sub>, scope user-tool:<name>, order after the server per-user bucket', async (t) => {
  const name = 'per-user-tool';
  const proxy = await proxyFor(t, name, { perUser: { maxTokens: 3, refillPeriod: '1h' }, tools: [{ name: 'search', perUser: { maxTokens: 1, refillPeriod: '1h' } }] }, 'redis');
  t.strictSame(await callTool(proxy, 'alice', 'search'), { status: 200 });
  t.strictSame(await callTool(proxy, 'alice', 'search'), { status: 429, scope: 'user-tool:search' });
  t.strictSame(await callTool(proxy, 'alice', 'echo'), { status: 200 }, 'another tool: only the server per-user bucket');
  t.strictSame(await callTool(proxy, 'bob', 'search'), { status: 200 }, 'bob has his own search bucket');
  t.strictSame(await callTool(proxy, 'alice', 'echo'), { status: 200 }, "alice's 3rd call (the refused one took nothing)");
  t.strictSame(await callTool(proxy, 'alice', 'search'), { status: 429, scope: 'user' }, 'server per-user comes first in the order');
  t.equal(Math.round(await tokensOf(`thv:rl:{default:${name}}:user-tool:search:alice`)), 0);
  t.equal(Math.round(await tokensOf(`thv:rl:{default:${name}}:user-tool:search:bob`)), 0);
  t.equal(await redis.cli('EXISTS', `thv:rl:{default:${name}}:shared`), '0', 'no shared bucket configured, none written');
});

t.test('§4 other methods are never limited, per user either', async (t) => {
  const proxy = await proxyFor(t, 'per-user-list', { perUser: { maxTokens: 1, refillPeriod: '1h' } }, 'memory');
  for (let i = 0; i < 5; i++) {
    const res = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { authorization: `Bearer ${tokens.get('alice')}` });
    t.equal(res.status, 200);
  }
});

async function tokensOf(key: string): Promise<number> {
  return Number(await redis.cli('HGET', key, 'tokens'));
}

/** EVALSHA and EVAL calls so far (ioredis sends EVAL once per connection, when the script is not loaded yet). */
async function scriptCalls(): Promise<number> {
  const stats = await redis.cli('INFO', 'commandstats');
  let n = 0;
  for (const m of stats.matchAll(/cmdstat_eval(?:sha)?:calls=(\d+)/g)) n += Number(m[1]);
  return n;
}
