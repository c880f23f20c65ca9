// The chain order (src/chain/order.ts) as a table: which stages a config gets, in which order.
// An order change is caught here, not by a regex over CLI output.

import t from 'tap';
import { planChain } from '../../../src/chain/plan.js';
import { baseConfig, load, problems } from '../config/helpers.js';

const RL = { shared: { maxTokens: 5, refillPeriod: '1s' } };
const HOOK = (name: string) => ({ name, url: 'http://127.0.0.1:9/x', failure_policy: 'fail', tls_config: { insecure_skip_verify: true } });

const table: Array<[string, Record<string, unknown>, string[]]> = [
  ['loopback, nothing configured', { rate_limit_config: undefined, scaling_config: undefined }, ['body-limit', 'host-guard', 'mcp-parser', 'stdio-endpoint']],
  ['non-loopback listener: no host guard', { host: '0.0.0.0', rate_limit_config: undefined, scaling_config: undefined }, ['body-limit', 'mcp-parser', 'stdio-endpoint']],
  ['rate limit', { rate_limit_config: RL }, ['body-limit', 'host-guard', 'mcp-parser', 'stdio-endpoint', 'rate-limit']],
  ['webhooks in config order after the rate limit', { rate_limit_config: RL, validating_webhooks: [HOOK('a'), HOOK('b')] }, ['body-limit', 'host-guard', 'mcp-parser', 'stdio-endpoint', 'rate-limit', 'webhook a', 'webhook b']],
  ['an HTTP upstream: no stdio endpoint checks', { transport: 'streamable-http', command: undefined, cmd_args: undefined, target_port: 9000, rate_limit_config: undefined, scaling_config: undefined }, ['body-limit', 'host-guard', 'mcp-parser']],
  ['authentication right after the host guard (§9: identity before everything that reads it)', { oidc_config: { issuer: 'https://idp.example.com', audience: 'mcp' } }, ['body-limit', 'host-guard', 'authentication', 'mcp-parser', 'stdio-endpoint', 'rate-limit']],
  ['authentication first on a non-loopback listener', { host: '0.0.0.0', oidc_config: { Issuer: 'https://idp.example.com' }, rate_limit_config: undefined, scaling_config: undefined }, ['body-limit', 'authentication', 'mcp-parser', 'stdio-endpoint']],
  ['webhooks without a rate limit', { rate_limit_config: undefined, scaling_config: undefined, validating_webhooks: [HOOK('only')] }, ['body-limit', 'host-guard', 'mcp-parser', 'stdio-endpoint', 'webhook only']],
  ['mutating webhooks after the rate limit, before the validating ones, each in config order', { rate_limit_config: RL, validating_webhooks: [HOOK('v')], mutating_webhooks: [HOOK('m1'), HOOK('m2')] }, ['body-limit', 'host-guard', 'mcp-parser', 'stdio-endpoint', 'rate-limit', 'mutating-webhook m1', 'mutating-webhook m2', 'webhook v']],
  [
    'tool filter right after the parser, authorization after the webhooks (§10: ToolHive\'s order)',
    {
      transport: 'streamable-http', command: undefined, cmd_args: undefined, target_port: 9000, rate_limit_config: RL,
      validating_webhooks: [HOOK('v')], mutating_webhooks: [HOOK('m')], tools_filter: ['a'],
      authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: ['permit(principal, action, resource);'] } },
    },
    ['body-limit', 'host-guard', 'mcp-parser', 'tool-filter', 'rate-limit', 'mutating-webhook m', 'webhook v', 'authorization'],
  ],
];

for (const [what, extra, names] of table) {
  t.test(what, async (t) => {
    const r = load({ ...baseConfig(), ...extra }, { store: 'memory' });
    if (!r.ok) throw new Error(problems(r).join('\n'));
    const plan = planChain(r.config);
    t.same(
      plan.stages.map((s) => (s.type.endsWith('webhook') ? s.name : s.type)),
      names,
    );
    t.equal(plan.terminal.name, 'proxy');
    t.equal(planChain(r.config), plan, 'the loader compiled it once; planChain returns that plan');
  });
}
