// Issue 11 / SPEC §2: `validate` and `run` judge a config identically. Property: every config
// that loads (the example, every fixture shape, hundreds of seeded mutations) builds its runnable
// chain and terminal without an error. Before the compile step, `"allowed_hosts":
// ["https://app.example.com"]` passed validate and then killed `run` with "internal error".

import { readFileSync } from 'node:fs';
import t from 'tap';
import { buildChain } from '../../../src/chain/build.js';
import { planChain } from '../../../src/chain/plan.js';
import type { ProxyConfig } from '../../../src/config/types.js';
import { silentLogger } from '../../../src/observability/logger.js';
import { createTerminal } from '../../../src/proxy/terminal.js';
import { createMemoryStore } from '../../../src/ratelimit/memoryStore.js';
import { baseConfig, load, problems } from '../config/helpers.js';
import { mutateTree, prng, type Json } from '../config/mutations.js';

const EXAMPLE = readFileSync(new URL('../../../runconfig.example.json', import.meta.url), 'utf8');
const RUNS = 300;

async function buildRunnable(config: ProxyConfig): Promise<void> {
  const store = createMemoryStore();
  const stages = buildChain(planChain(config), { logger: silentLogger(), store, rateLimitMode: 'consume' });
  const terminal = await createTerminal(config, silentLogger());
  for (const s of stages) await s.close?.();
  await terminal.close?.();
  await store.close();
}

t.test('§2 entries run could not use are refused by the loader, with pointers', async (t) => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ allowed_hosts: ['https://app.example.com'] }, '/allowed_hosts/0'],
    [{ allowed_hosts: ['ok.example', ' '] }, '/allowed_hosts/1'],
    [{ allowed_origins: ['https://app.example.com/path'] }, '/allowed_origins/0'],
    [{ allowed_origins: ['[::1'] }, '/allowed_origins/0'],
  ];
  for (const [extra, pointer] of cases) {
    const r = load({ ...baseConfig(), ...extra }, { store: 'memory' });
    t.equal(r.ok, false, JSON.stringify(extra));
    t.ok(problems(r).some((p) => p.startsWith(`${pointer}: cannot read`)), `${pointer}: ${problems(r).join(' | ')}`);
  }
});

t.test(`§2 the example and ${RUNS} seeded mutations: whatever loads, builds`, async (t) => {
  const rnd = prng(0x636f_6d70);
  let built = 0;
  for (let i = 0; i <= RUNS; i++) {
    const doc = JSON.parse(EXAMPLE) as Json;
    if (i > 0) for (let r = 1 + Math.floor(rnd() * 3); r > 0; r--) mutateTree(doc, rnd);
    const input = JSON.stringify(doc);
    for (const store of ['redis', 'memory'] as const) {
      const result = load(input, { store });
      if (i === 0) t.equal(result.ok, true, `the example loads with --store ${store}: ${problems(result).join(' | ')}`);
      if (!result.ok) continue;
      try {
        await buildRunnable(result.config);
        built++;
      } catch (err) {
        t.fail(`run ${i} (${store}) loaded but did not build: ${(err as Error).message}\ninput: ${input}`);
      }
    }
  }
  // Most mutations make the config invalid; the ones that load are the ones that matter here.
  t.ok(built >= 40, `${built} loaded configs built (the example included)`);
});

// Every stage configured at once, so the mutations reach the sections of the later stages too
// (identity, tool filter, mutating and validating webhooks, authorization, telemetry, audit).
const EVERY_STAGE = {
  name: 'every-stage',
  transport: 'streamable-http',
  target_port: 9,
  oidc_config: { issuer: 'http://127.0.0.1:9', jwksurl: 'http://127.0.0.1:9/jwks', audience: 'mcp', insecureAllowHTTP: true, allowPrivateIP: true },
  rate_limit_config: { shared: { maxTokens: 10, refillPeriod: '1m' }, perUser: { maxTokens: 5, refillPeriod: '1m' }, tools: [{ name: 'echo', shared: { maxTokens: 2, refillPeriod: '30s' } }] },
  tools_filter: ['echo', 'add'],
  tools_override: { add: { name: 'plus', description: 'adds' } },
  mutating_webhooks: [{ name: 'm', url: 'http://127.0.0.1:9/m', failure_policy: 'ignore', timeout: '2s', tls_config: { insecure_skip_verify: true } }],
  validating_webhooks: [{ name: 'v', url: 'http://127.0.0.1:9/v', failure_policy: 'fail', tls_config: { insecure_skip_verify: true } }],
  authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"echo");', 'permit(principal, action, resource) when { context.claim_role == "admin" };'], entities_json: '[]' } },
  telemetry_config: { serviceName: 'x', metricsEnabled: true, enablePrometheusMetricsPath: true, prometheusPort: 9464, samplingRate: '0.1' },
  audit_config: { component: 'c', includeRequestData: true, maxDataSize: 1024 },
};

t.test(`§2 every stage configured, and ${RUNS} seeded mutations of it: whatever loads, builds`, async (t) => {
  const rnd = prng(0x6576_6572);
  let built = 0;
  for (let i = 0; i <= RUNS; i++) {
    const doc = structuredClone(EVERY_STAGE) as unknown as Json;
    if (i > 0) for (let r = 1 + Math.floor(rnd() * 3); r > 0; r--) mutateTree(doc, rnd);
    const input = JSON.stringify(doc);
    const result = load(input, { store: 'memory' });
    if (i === 0) t.equal(result.ok, true, `the full config loads: ${problems(result).join(' | ')}`);
    if (!result.ok) continue;
    try {
      await buildRunnable(result.config);
      built++;
    } catch (err) {
      t.fail(`run ${i} loaded but did not build: ${(err as Error).message}\ninput: ${input}`);
    }
  }
  t.ok(built >= 20, `${built} loaded configs built (the full one included)`);
});

