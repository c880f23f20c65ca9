// §2 semantic rules: each violation is its own error line with the pointer of its field.
import t from 'tap';
import { baseConfig, load, problems } from './helpers.js';

type Case = { name: string; mutate: (c: Record<string, any>) => void; expect: string[]; store?: 'redis' | 'memory'; env?: NodeJS.ProcessEnv };

const cases: Case[] = [
  {
    name: 'duplicate tool names',
    mutate: (c) => c.rate_limit_config.tools.push({ name: 'echo', shared: { maxTokens: 1, refillPeriod: '1s' } }),
    expect: ['/rate_limit_config/tools/1/name: duplicate tool name "echo"'],
  },
  {
    name: 'rate_limit_config with nothing in it',
    mutate: (c) => (c.rate_limit_config = { tools: [] }),
    expect: ['/rate_limit_config: needs at least one of shared, perUser or a non-empty tools list'],
  },
  {
    name: 'a tool without shared or perUser',
    mutate: (c) => c.rate_limit_config.tools.push({ name: 'search' }),
    expect: ['/rate_limit_config/tools/1: tool "search" needs shared or perUser'],
  },
  {
    name: 'refillPeriod of zero',
    mutate: (c) => (c.rate_limit_config.shared.refillPeriod = '0s'),
    expect: ['/rate_limit_config/shared/refillPeriod: must be greater than 0 (got "0s")'],
  },
  {
    name: 'refillPeriod negative',
    mutate: (c) => (c.rate_limit_config.tools[0].shared.refillPeriod = '-1m'),
    expect: ['/rate_limit_config/tools/0/shared/refillPeriod: must be greater than 0 (got "-1m")'],
  },
  {
    name: 'refillPeriod that is not a Go duration',
    mutate: (c) => (c.rate_limit_config.shared.refillPeriod = '1d'),
    expect: ['/rate_limit_config/shared/refillPeriod: time: unknown unit "d" in duration "1d" (units: ns, us, µs, ms, s, m, h); expected a Go duration such as "1m0s", "30s" or "500ms"'],
  },
  {
    name: 'perUser at server level without oidc_config',
    mutate: (c) => (c.rate_limit_config.perUser = { maxTokens: 5, refillPeriod: '1m' }),
    expect: ["/rate_limit_config/perUser: per-user rate limits need authentication: set oidc_config (the user is the token's sub claim)"],
  },
  {
    name: 'perUser on a tool without oidc_config (null is none, as Go reads it)',
    mutate: (c) => {
      c.rate_limit_config.tools[0].perUser = { maxTokens: 5, refillPeriod: '1m' };
      c.oidc_config = null;
    },
    expect: ["/rate_limit_config/tools/0/perUser: per-user rate limits need authentication: set oidc_config (the user is the token's sub claim)"],
  },
  {
    name: 'perUser on the server and a tool with oidc_config (§4, §9)',
    mutate: (c) => {
      c.rate_limit_config.perUser = { maxTokens: 5, refillPeriod: '1m' };
      c.rate_limit_config.tools[0].perUser = { maxTokens: 2, refillPeriod: '1m' };
      c.oidc_config = { issuer: 'https://idp.example.com', audience: 'mcp' };
    },
    expect: [],
  },
  {
    name: 'rate limiting without a Redis address',
    mutate: (c) => delete c.scaling_config,
    expect: ['/scaling_config/session_redis/address: rate limiting needs Redis: set "host:port" here (or sentinel_config), or run with --store memory'],
  },
  {
    name: 'rate limiting without a Redis address is fine with --store memory',
    mutate: (c) => delete c.scaling_config,
    store: 'memory',
    expect: [],
  },
  {
    name: 'a Redis address that is not host:port',
    mutate: (c) => (c.scaling_config.session_redis.address = 'localhost'),
    expect: ['/scaling_config/session_redis/address: must be "host:port" such as "127.0.0.1:6379" or "[::1]:6379", got "localhost"'],
  },
  {
    name: 'stdio without command',
    mutate: (c) => delete c.command,
    expect: ['/command: required when transport is "stdio" (the MCP server program to run)'],
  },
  {
    name: 'no transport and no command',
    mutate: (c) => {
      delete c.command;
      delete c.transport;
    },
    expect: ['/transport: missing: set "streamable-http", "sse" or "stdio" (it may be left out only when command is set, which means "stdio")'],
  },
  {
    name: 'sse without remote_url or target_port',
    mutate: (c) => {
      c.transport = 'sse';
      delete c.command;
      delete c.cmd_args;
    },
    expect: ['/remote_url: transport "sse" needs remote_url or target_port (where the upstream MCP server listens)'],
  },
  {
    name: 'remote_url that is not http(s)',
    mutate: (c) => {
      c.transport = 'streamable-http';
      delete c.command;
      delete c.cmd_args;
      c.remote_url = 'ftp://example.com/mcp';
    },
    expect: ['/remote_url: must be an http or https URL, got "ftp://example.com/mcp"'],
  },
  {
    name: 'a name that would break Redis keys',
    mutate: (c) => (c.name = 'my {server}'),
    expect: ['/name: must not contain whitespace, "{" or "}" (it becomes part of Redis keys), got "my {server}"'],
  },
  {
    name: 'duplicate webhook names',
    mutate: (c) =>
      (c.validating_webhooks = [
        { name: 'policy', url: 'https://a.example/v', failure_policy: 'fail' },
        { name: 'policy', url: 'https://b.example/v', failure_policy: 'ignore' },
      ]),
    expect: ['/validating_webhooks/1/name: duplicate webhook name "policy"'],
  },
  {
    name: 'http webhook without insecure_skip_verify',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'http://a.example/v', failure_policy: 'fail' }]),
    expect: ['/validating_webhooks/0/url: webhook "policy" must use https (http is allowed only with tls_config.insecure_skip_verify: true)'],
  },
  {
    name: 'http webhook with insecure_skip_verify',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'http://a.example/v', failure_policy: 'fail', tls_config: { insecure_skip_verify: true } }]),
    expect: [],
  },
  {
    name: 'webhook timeout above 30s',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', timeout: '45s' }]),
    expect: ['/validating_webhooks/0/timeout: must be between 1s and 30s, got 45s'],
  },
  {
    name: 'webhook timeout below 1s, as nanoseconds',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', timeout: 500_000_000 }]),
    expect: ['/validating_webhooks/0/timeout: must be between 1s and 30s, got 500ms'],
  },
  {
    name: 'webhook timeout that is not a duration',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', timeout: '5' }]),
    expect: ['/validating_webhooks/0/timeout: time: missing unit in duration "5"; expected a Go duration such as "5s", or integer nanoseconds'],
  },
  {
    name: 'client cert without key',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', tls_config: { client_cert_path: '/dev/null' } }]),
    expect: ['/validating_webhooks/0/tls_config/client_key_path: required when client_cert_path is set (mutual TLS needs both)'],
  },
  {
    name: 'client key without cert',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', tls_config: { client_key_path: '/dev/null' } }]),
    expect: ['/validating_webhooks/0/tls_config/client_cert_path: required when client_key_path is set (mutual TLS needs both)'],
  },
  {
    name: 'hmac_secret_ref that is a relative path',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', hmac_secret_ref: 'secret.txt' }]),
    expect: ['/validating_webhooks/0/hmac_secret_ref: webhook "policy": must be an absolute file path or env:NAME'],
  },
  {
    name: 'hmac_secret_ref naming an unset variable',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', hmac_secret_ref: 'env:POLICY_SECRET' }]),
    expect: ['/validating_webhooks/0/hmac_secret_ref: webhook "policy": environment variable POLICY_SECRET is not set'],
  },
  {
    name: 'hmac_secret_ref naming a set variable',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', hmac_secret_ref: 'env:POLICY_SECRET' }]),
    env: { POLICY_SECRET: 's3cret-value' },
    expect: [],
  },
  {
    name: 'hmac_secret_ref naming a missing file',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', hmac_secret_ref: '/nonexistent/thv-secret' }]),
    expect: ['/validating_webhooks/0/hmac_secret_ref: webhook "policy": cannot read secret file "/nonexistent/thv-secret" (no such file)'],
  },
  {
    name: 'an unreadable CA bundle',
    mutate: (c) => (c.validating_webhooks = [{ name: 'policy', url: 'https://a.example/v', failure_policy: 'fail', tls_config: { ca_bundle_path: '/nonexistent/ca.pem' } }]),
    expect: ['/validating_webhooks/0/tls_config/ca_bundle_path: webhook "policy": cannot read "/nonexistent/ca.pem" (no such file)'],
  },
];

t.test('§2 semantic rules, one error line each', async (t) => {
  for (const c of cases) {
    const doc = baseConfig();
    c.mutate(doc);
    t.strictSame(problems(load(doc, { store: c.store ?? 'redis' }, c.env ?? {})), c.expect, c.name);
  }
});

t.test('§2 every problem is reported at once, schema and semantic together', async (t) => {
  const doc = baseConfig();
  doc.foo = 1;
  doc.rate_limit_config.shared.maxTokens = 0;
  doc.rate_limit_config.tools.push({ name: 'echo', shared: { maxTokens: 1, refillPeriod: '1s' } });
  t.strictSame(problems(load(doc)), [
    '/foo: unknown field "foo"',
    '/rate_limit_config/shared/maxTokens: must be an integer >= 1',
    '/rate_limit_config/tools/1/name: duplicate tool name "echo"',
  ]);
});

t.test('§2 a secret never appears in a message', async (t) => {
  const doc = baseConfig();
  doc.validating_webhooks = [{ name: 'policy', url: 'http://a.example/v', failure_policy: 'sometimes', hmac_secret_ref: 'env:S' }];
  const r = load(doc, {}, { S: 'TOP-SECRET-VALUE' });
  t.equal(r.ok, false);
  t.notMatch(JSON.stringify(r), /TOP-SECRET-VALUE/);
});
