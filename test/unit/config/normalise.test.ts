// §2 defaults, CLI overrides and the immutable typed config the rest of the program reads.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { ProxyConfig } from '../../../src/config/types.js';
import { baseConfig, load } from './helpers.js';

function config(doc: unknown, ...rest: Parameters<typeof load> extends [unknown, ...infer R] ? R : never): ProxyConfig {
  const r = load(doc, ...rest);
  if (!r.ok) throw new Error(`expected a valid config: ${JSON.stringify(r.errors)}`);
  return r.config;
}

t.test('§2 defaults', async (t) => {
  const c = config(baseConfig());
  t.equal(c.host, '127.0.0.1');
  t.equal(c.port, 8080);
  t.equal(c.maxBodyBytes, 8 * 1024 * 1024);
  t.equal(c.store, 'redis');
  t.equal(c.trustProxyHeaders, false);
  t.strictSame(c.allowedHosts, []);
  t.equal(c.rateLimit?.namespace, 'default');
  t.strictSame(c.redis, { address: '127.0.0.1:6379', host: '127.0.0.1', port: 6379, db: 0, keyPrefix: '', password: undefined, topology: 'standalone', masterName: '', sentinels: [], username: undefined, sentinelPassword: undefined, tls: null, sentinelTls: null, dialTimeoutMs: 5000 });
  t.strictSame(c.upstream, { kind: 'stdio', command: 'node', args: ['server.js'], env: {}, proxyMode: 'streamable-http' });
  t.strictSame(c.webhooks, []);
});

t.test('§2 durations are parsed and buckets keyed by tool', async (t) => {
  const doc = baseConfig();
  doc.rate_limit_config.shared.refillPeriod = '1.5h';
  const c = config(doc);
  t.strictSame(c.rateLimit?.shared, { maxTokens: 100, refillPeriodMs: 5_400_000 });
  t.strictSame(c.rateLimit?.tools.get('echo'), { name: 'echo', shared: { maxTokens: 10, refillPeriodMs: 60_000 }, perUser: null });
});

t.test('§1 CLI overrides win over the file', async (t) => {
  const doc = baseConfig();
  doc.host = '0.0.0.0';
  doc.port = 9000;
  doc.max_body_bytes = 1000;
  const c = config(doc, { host: '127.0.0.2', port: 0, maxBodyBytes: 42, store: 'memory' });
  t.equal(c.host, '127.0.0.2');
  t.equal(c.port, 0);
  t.equal(c.maxBodyBytes, 42);
  t.equal(c.store, 'memory');
  t.equal(c.redis, null, 'no Redis with --store memory');
  const fromFile = config(doc);
  t.equal(fromFile.host, '0.0.0.0');
  t.equal(fromFile.port, 9000);
  t.equal(fromFile.maxBodyBytes, 1000);
});

t.test('§1 --store memory with rate limits warns', async (t) => {
  const r = load(baseConfig(), { store: 'memory' });
  t.ok(r.ok);
  t.ok(r.warnings.includes('rate limits hold per process only (--store memory)'));
  const none = baseConfig();
  delete none.rate_limit_config;
  t.notOk(load(none, { store: 'memory' }).warnings.includes('rate limits hold per process only (--store memory)'));
});

t.test('§2 Redis: password from THV_SESSION_REDIS_PASSWORD, db, key_prefix, IPv6', async (t) => {
  const doc = baseConfig();
  doc.scaling_config.session_redis = { address: '[::1]:6380', db: 3, key_prefix: 'fleet:' };
  const c = config(doc, {}, { THV_SESSION_REDIS_PASSWORD: 'pw' });
  t.strictSame(c.redis, { address: '[::1]:6380', host: '::1', port: 6380, db: 3, keyPrefix: 'fleet:', password: 'pw', topology: 'standalone', masterName: '', sentinels: [], username: undefined, sentinelPassword: undefined, tls: null, sentinelTls: null, dialTimeoutMs: 5000 });
  const noRl = baseConfig();
  delete noRl.rate_limit_config;
  t.equal(config(noRl).redis, null, 'no Redis without rate limits');
});

t.test('§2 upstream for http transports; remote_url’s path as Go’s url.Parse reads it', async (t) => {
  const base = { name: 'x' };
  t.strictSame(config({ ...base, transport: 'sse', remote_url: 'https://up.example:8443/mcp/' }).upstream, { kind: 'http', transport: 'sse', origin: 'https://up.example:8443', path: '/mcp/', query: '' });
  t.strictSame(config({ ...base, transport: 'streamable-http', remote_url: 'http://127.0.0.1:9000' }).upstream, { kind: 'http', transport: 'streamable-http', origin: 'http://127.0.0.1:9000', path: '', query: '' });
  t.strictSame(config({ ...base, transport: 'streamable-http', remote_url: 'http://127.0.0.1:9000/' }).upstream, { kind: 'http', transport: 'streamable-http', origin: 'http://127.0.0.1:9000', path: '/', query: '' });
  t.strictSame(config({ ...base, transport: 'streamable-http', remote_url: 'http://127.0.0.1:9000?k=v' }).upstream, { kind: 'http', transport: 'streamable-http', origin: 'http://127.0.0.1:9000', path: '', query: 'k=v' });
  t.strictSame(config({ ...base, transport: 'streamable-http', remote_url: 'https://up.example/v2/mcp?api_key=k&toolsets=core,alerting#x' }).upstream, { kind: 'http', transport: 'streamable-http', origin: 'https://up.example', path: '/v2/mcp', query: 'api_key=k&toolsets=core,alerting' });
  t.strictSame(config({ ...base, transport: 'streamable-http', target_port: 9001 }).upstream, { kind: 'http', transport: 'streamable-http', origin: 'http://127.0.0.1:9001', path: '', query: '' });
  t.strictSame(config({ ...base, transport: 'sse', target_host: '::1', target_port: 9001 }).upstream, { kind: 'http', transport: 'sse', origin: 'http://[::1]:9001', path: '', query: '' });
});

t.test('§2 transport may be left out when command is set: stdio', async (t) => {
  const c = config({ name: 'x', command: 'node', proxy_mode: 'sse', env_vars: { A: 'b' } });
  t.equal(c.transport, 'stdio');
  t.strictSame(c.upstream, { kind: 'stdio', command: 'node', args: [], env: { A: 'b' }, proxyMode: 'sse' });
});

t.test('§5 webhooks: timeout default and forms, secret from env and file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thv-config-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const secretFile = join(dir, 'secret');
  writeFileSync(secretFile, 'from-file');
  const doc = baseConfig();
  doc.validating_webhooks = [
    { name: 'a', url: 'https://a.example/v', failure_policy: 'fail' },
    { name: 'b', url: 'https://b.example/v', failure_policy: 'ignore', timeout: '2.5s', hmac_secret_ref: 'env:HOOK_B' },
    { name: 'c', url: 'https://c.example/v', failure_policy: 'fail', timeout: 5_000_000_000, hmac_secret_ref: secretFile },
    { name: 'd', url: 'https://d.example/v', failure_policy: 'fail', timeout: 0 },
  ];
  const c = config(doc, {}, { HOOK_B: 'from-env' });
  t.strictSame(c.webhooks.map((w) => w.timeoutMs), [10_000, 2_500, 5_000, 10_000]);
  t.strictSame(c.webhooks.map((w) => w.hmacSecret?.toString() ?? null), [null, 'from-env', 'from-file', null]);
  t.strictSame(c.webhooks[0]?.tls, { caBundlePath: undefined, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: false });
  t.equal(c.webhooks[1]?.failurePolicy, 'ignore');
});

t.test('§2 the config is deep-frozen, Maps included', async (t) => {
  const doc = baseConfig();
  doc.validating_webhooks = [{ name: 'a', url: 'https://a.example/v', failure_policy: 'fail', hmac_secret_ref: 'env:S' }];
  const c = config(doc, {}, { S: 'x' });
  t.ok(Object.isFrozen(c));
  t.ok(Object.isFrozen(c.upstream));
  t.ok(Object.isFrozen(c.rateLimit));
  t.ok(Object.isFrozen(c.rateLimit?.tools), 'the Map object is frozen');
  t.ok(Object.isFrozen(c.rateLimit?.tools.get('echo')?.shared));
  t.ok(Object.isFrozen(c.webhooks));
  t.ok(Object.isFrozen(c.webhooks[0]?.tls));
  t.throws(() => {
    (c as { port: number }).port = 1;
  }, TypeError);
});
