// SPEC §2 + §11: mutating_webhooks entries are validating_webhooks entries (same schema, rules,
// secrets and TLS compile step), judged at load with pointers under /mutating_webhooks/<i>.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planChain } from '../../../src/chain/plan.js';
import { baseConfig, load, problems } from '../config/helpers.js';

const HOOK = { name: 'm', url: 'https://m.example/mutate', failure_policy: 'fail' };

t.test('§11 a mutating webhook entry loads, normalised like a validating one', async (t) => {
  const r = load({ ...baseConfig(), mutating_webhooks: [{ ...HOOK, hmac_secret_ref: 'env:M_SECRET' }, { ...HOOK, name: 'n', timeout: 2_000_000_000, failure_policy: 'ignore' }] }, { store: 'memory' }, { M_SECRET: 'abc' });
  if (!r.ok) throw new Error(problems(r).join('\n'));
  t.same(r.config.mutatingWebhooks.map((w) => [w.name, w.timeoutMs, w.failurePolicy, w.hmacSecret?.toString() ?? null]), [['m', 10_000, 'fail', 'abc'], ['n', 2000, 'ignore', null]]);
  t.same(r.config.webhooks, [], 'not validating webhooks');
  const stages = planChain(r.config).stages;
  t.same(stages.filter((s) => s.type === 'mutating-webhook').map((s) => [s.name, s.summary]), [
    ['mutating-webhook m', 'https://m.example/mutate timeout 10s failure_policy fail signed'],
    ['mutating-webhook n', 'https://m.example/mutate timeout 2s failure_policy ignore'],
  ]);
});

t.test('§2 every webhook rule applies to mutating_webhooks, pointing into that list', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thv-mut-cfg-'));
  const notPem = join(dir, 'ca.pem');
  writeFileSync(notPem, 'not a certificate');
  const r = load({
    ...baseConfig(),
    mutating_webhooks: [
      { ...HOOK, url: 'http://m.example/x' },
      { ...HOOK, timeout: '45s', tls_config: { client_cert_path: '/nonexistent/c.pem' } },
      { ...HOOK, hmac_secret_ref: 'env:UNSET_SECRET' },
      { name: 'x', url: 'https://x.example/', failure_policy: 'sometimes' },
    ],
  }, { store: 'memory' }, {});
  t.same(problems(r).sort(), [
    '/mutating_webhooks/0/url: webhook "m" must use https (http is allowed only with tls_config.insecure_skip_verify: true)',
    '/mutating_webhooks/1/name: duplicate webhook name "m"',
    '/mutating_webhooks/1/timeout: must be between 1s and 30s, got 45s',
    '/mutating_webhooks/1/tls_config/client_cert_path: webhook "m": cannot read "/nonexistent/c.pem" (no such file)',
    '/mutating_webhooks/1/tls_config/client_key_path: required when client_cert_path is set (mutual TLS needs both)',
    '/mutating_webhooks/2/hmac_secret_ref: webhook "m": environment variable UNSET_SECRET is not set',
    '/mutating_webhooks/2/name: duplicate webhook name "m"',
    '/mutating_webhooks/3/failure_policy: must be one of "fail", "ignore"',
  ].sort());
  const pem = load({ ...baseConfig(), mutating_webhooks: [{ ...HOOK, tls_config: { ca_bundle_path: notPem } }] }, { store: 'memory' });
  t.match(problems(pem), [/^\/mutating_webhooks\/0\/tls_config\/ca_bundle_path: ".+ca\.pem" is not a PEM CA bundle/], 'PEM files compiled at load, as for validating webhooks');
});

t.test('§2 a name may be used once in each list; the lists are separate stages', async (t) => {
  const r = load({ ...baseConfig(), mutating_webhooks: [HOOK], validating_webhooks: [HOOK] }, { store: 'memory' });
  t.equal(r.ok, true, problems(r).join('\n'));
});

t.test('§2 mutating_webhooks is no longer an unenforced field; ToolHive\'s "mutating-webhook" middleware entry is accepted with it', async (t) => {
  const withEntry = { ...baseConfig(), middleware_configs: [{ type: 'mutating-webhook', parameters: { webhooks: [HOOK] } }] };
  t.strictSame(problems(load({ ...withEntry, mutating_webhooks: [HOOK] }, { store: 'memory' })), []);
  t.match(problems(load(withEntry, { store: 'memory' })), [/^\/middleware_configs\/0\/type: ToolHive middleware "mutating-webhook" would run in a ToolHive replica, but thv-proxy builds it from mutating_webhooks only, which is not set/]);
  const empty = load({ ...baseConfig(), mutating_webhooks: [] }, { store: 'memory' });
  t.equal(empty.ok, true);
  t.notMatch(empty.warnings.join('\n'), /mutating_webhooks/, 'no "ignored" or "not enforced" warning');
});
