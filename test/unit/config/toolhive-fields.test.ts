// SPEC §2: every ToolHive RunConfig field is known; one that would make ToolHive enforce
// something thv-proxy does not is an error naming it (a warning with --allow-unenforced);
// operational ones are warnings; `middleware_configs` entries are judged by type.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { RUNCONFIG_SCHEMA } from '../../../src/config/schema.js';
import { parseAllowUnenforced, UNENFORCED_FIELDS } from '../../../src/config/unenforced.js';
import { baseConfig, load, problems } from './helpers.js';

// The JSON names of ToolHive's RunConfig (pkg/runner/config.go at stacklok/toolhive
// e25de16cf9720b13cf0b400c861a2f6840e2763c), in its order.
const TOOLHIVE_RUNCONFIG_FIELDS = [
  'schema_version', 'mcpserver_generation', 'image', 'remote_url', 'registry_api_url', 'registry_url',
  'registry_server_name', 'remote_auth_config', 'cmd_args', 'name', 'container_name', 'base_name', 'transport',
  'host', 'port', 'target_port', 'target_host', 'allowed_origins', 'publish', 'permission_profile_name_or_path',
  'permission_profile', 'env_vars', 'env_file_dir', 'debug', 'volumes', 'container_labels', 'oidc_config',
  'token_exchange_config', 'upstream_swap_config', 'aws_sts_config', 'authz_config', 'authz_config_path',
  'audit_config', 'audit_config_path', 'telemetry_config', 'rate_limit_config', 'rate_limit_namespace', 'secrets',
  'k8s_pod_template_patch', 'isolate_network', 'allow_docker_gateway', 'trust_proxy_headers',
  'strict_protocol_validation', 'stateless', 'session_ttl', 'proxy_mode', 'thv_ca_bundle', 'jwks_auth_token_file',
  'group', 'tools_filter', 'tools_override', 'ignore_config', 'middleware_configs', 'additional_middleware_configs',
  'validating_webhooks', 'mutating_webhooks', 'endpoint_prefix', 'runtime_config', 'header_forward',
  'embedded_auth_server_config', 'scaling_config',
];

// SPEC §2 names these as enforcing: each must be refused or implemented, never merely ignored.
const SPEC_ENFORCING = [
  'oidc_config', 'authz_config', 'authz_config_path', 'mutating_webhooks', 'audit_config', 'audit_config_path',
  'tools_filter', 'tools_override', 'token_exchange_config', 'aws_sts_config', 'upstream_swap_config',
  'embedded_auth_server_config', 'header_forward', 'middleware_configs', 'additional_middleware_configs', 'remote_auth_config',
];

type Prop = { deprecated?: boolean };
const props = (RUNCONFIG_SCHEMA as { properties: Record<string, Prop> }).properties;
const unenforced = new Set(UNENFORCED_FIELDS.map((f) => f.field));

/** A value that makes ToolHive act on each field. */
const SAMPLE: Record<string, unknown> = {
  token_exchange_config: { token_url: 'https://sts.example/token' },
  aws_sts_config: { region: 'eu-west-1' },
  upstream_swap_config: { provider_name: 'github' },
  embedded_auth_server_config: { issuer: 'https://thv.example' },
  header_forward: { add_plaintext_headers: { 'X-Tenant': 'a' } },
  remote_auth_config: { client_id: 'x' },
  additional_middleware_configs: [{ type: 'obo', parameters: {} }],
};

t.test('§2 every ToolHive RunConfig field is known to the schema, and nothing else is', async (t) => {
  const extensions = new Set(['$schema', 'allowed_hosts', 'command', 'max_body_bytes']);
  t.strictSame(TOOLHIVE_RUNCONFIG_FIELDS.filter((f) => !(f in props)), [], 'ToolHive fields missing from the schema');
  t.strictSame(Object.keys(props).filter((f) => !TOOLHIVE_RUNCONFIG_FIELDS.includes(f) && !extensions.has(f)), [], 'schema fields ToolHive does not have');
});

t.test('§2 the unenforced table and the schema agree; SPEC\'s enforcing fields are never just ignored', async (t) => {
  for (const f of unenforced) t.equal(props[f]?.deprecated, true, `${f} is a deprecated (not acted on) schema field`);
  for (const f of SPEC_ENFORCING) {
    const implemented = props[f] !== undefined && props[f]?.deprecated !== true;
    t.ok(unenforced.has(f) || implemented, `${f} is refused or implemented`);
  }
  t.strictSame(Object.keys(SAMPLE).sort(), [...unenforced].sort(), 'a sample value for every unenforced field');
});

/** baseConfig in front of a remote streamable-HTTP server. */
function remoteConfig(): Record<string, any> {
  const doc = baseConfig();
  delete doc.command;
  delete doc.cmd_args;
  return { ...doc, transport: 'streamable-http', remote_url: 'https://mcp.example/mcp' };
}

t.test('§2 an unenforced field is an error naming it', async (t) => {
  for (const [field, value] of Object.entries(SAMPLE)) {
    const doc = field === 'header_forward' ? remoteConfig() : baseConfig();
    doc[field] = value;
    const r = load(doc);
    const lines = problems(r);
    t.equal(lines.length, 1, field);
    t.match(lines[0], new RegExp(`^/${field}: not enforced by thv-proxy: a ToolHive replica .+; remove the field, or pass --allow-unenforced ${field} to run without it$`), field);
    t.notMatch(r.warnings.join('\n'), /ToolHive field thv-proxy ignores/, `${field}: not also an "ignored" warning`);
  }
});

t.test('§2 --allow-unenforced turns the named fields (only) into warnings', async (t) => {
  const doc = baseConfig();
  doc.token_exchange_config = SAMPLE.token_exchange_config;
  doc.aws_sts_config = SAMPLE.aws_sts_config;
  const one = load(doc, { allowUnenforced: ['token_exchange_config'] });
  t.strictSame(problems(one), ['/aws_sts_config: not enforced by thv-proxy: a ToolHive replica exchanges the client\'s token for AWS credentials and signs upstream requests (SigV4); remove the field, or pass --allow-unenforced aws_sts_config to run without it']);
  const both = load(doc, { allowUnenforced: ['token_exchange_config', 'aws_sts_config'] });
  t.equal(both.ok, true);
  t.match(both.warnings, [
    "token_exchange_config is not enforced (--allow-unenforced): a ToolHive replica exchanges the client's token for an upstream token (RFC 8693), this one does not",
    'aws_sts_config is not enforced (--allow-unenforced): a ToolHive replica exchanges the client\'s token for AWS credentials and signs upstream requests (SigV4), this one does not',
  ]);
});

t.test('§2 an empty unenforced field enforces nothing in ToolHive either: accepted silently', async (t) => {
  const doc = baseConfig();
  Object.assign(doc, { oidc_config: null, tools_filter: [], authz_config_path: '', additional_middleware_configs: [], mutating_webhooks: [] });
  const r = load(doc);
  t.equal(r.ok, true, problems(r).join('\n'));
  t.strictSame(r.warnings, []);
});

t.test('§2 header_forward is refused only where ToolHive acts on it: a remote_url, and headers to add', async (t) => {
  const headers = { add_headers_from_secret: { Authorization: 'api-token' } };
  t.equal(load({ ...remoteConfig(), header_forward: headers }).ok, false);
  for (const doc of [{ ...baseConfig(), header_forward: headers }, { ...remoteConfig(), header_forward: {} }, { ...remoteConfig(), header_forward: { add_plaintext_headers: {} } }]) {
    const r = load(doc);
    t.equal(r.ok, true, problems(r).join('\n'));
    t.strictSame(r.warnings, []);
  }
});

t.test('§2 operational ToolHive fields stay warnings; telemetry_config and audit_config are implemented (§12)', async (t) => {
  const doc = baseConfig();
  Object.assign(doc, { image: 'ghcr.io/x/y:1', permission_profile: { network: {} }, container_labels: { a: 'b' }, session_ttl: '2h' });
  Object.assign(doc, { telemetry_config: { endpoint: 'otel:4318', metricsEnabled: true }, audit_config: { component: 'search' } });
  const r = load(doc);
  t.equal(r.ok, true, problems(r).join('\n'));
  t.strictSame([...r.warnings].sort(), ['container_labels', 'image', 'permission_profile', 'session_ttl'].map((f) => `${f} is a ToolHive field thv-proxy ignores`));
});

t.test('§2 strict_protocol_validation is accepted (a boolean), silently', async (t) => {
  for (const v of [true, false]) {
    const doc = baseConfig();
    doc.strict_protocol_validation = v;
    const r = load(doc);
    t.equal(r.ok, true);
    t.strictSame(r.warnings, []);
  }
  const doc = baseConfig();
  doc.strict_protocol_validation = 'yes';
  t.strictSame(problems(load(doc)), ['/strict_protocol_validation: must be a boolean (true or false), not a string']);
});

t.test('§2 a top-level "$schema" is accepted silently (editors use it)', async (t) => {
  const doc = { $schema: './node_modules/thv-proxy/schemas/runconfig.schema.json', ...baseConfig() };
  const r = load(doc);
  t.equal(r.ok, true, problems(r).join('\n'));
  t.strictSame(r.warnings, []);
  t.strictSame(problems(load({ ...doc, $schema: 1 })), ['/$schema: must be a string, not an integer']);
  const nested = baseConfig();
  nested.rate_limit_config.$schema = 'x';
  t.strictSame(problems(load(nested)), ['/rate_limit_config/$schema: unknown field "$schema"'], 'only at the top level');
});

// What ToolHive's operator writes (runner.PopulateMiddlewareConfigs) for baseConfig plus a webhook.
function operatorChain(): Record<string, unknown>[] {
  return [
    { type: 'bodylimit', parameters: { max_bytes: 8388608 } },
    { type: 'auth', parameters: {} },
    { type: 'mcp-parser', parameters: {} },
    { type: 'ratelimit', parameters: { namespace: 'default', server_name: 'everything' } },
    { type: 'validating-webhook', parameters: { webhooks: [] } },
    { type: 'usagemetrics', parameters: {} },
    { type: 'recovery', parameters: null },
  ];
}

function withChain(chain: Record<string, unknown>[]): Record<string, any> {
  const doc = baseConfig();
  doc.validating_webhooks = [{ name: 'policy', url: 'https://policy.example/v', failure_policy: 'fail' }];
  doc.middleware_configs = chain;
  return doc;
}

t.test('§2 middleware_configs as ToolHive\'s operator writes it loads: every entry is mirrored or enforces nothing', async (t) => {
  const r = load(withChain(operatorChain()));
  t.equal(r.ok, true, problems(r).join('\n'));
  t.strictSame(r.warnings, []);
  t.equal(load({ ...baseConfig(), middleware_configs: [] }).ok, true, 'an empty list');
});

t.test('§2 a middleware_configs entry built from an unenforced field is an error, allowed by that field or by middleware_configs', async (t) => {
  const chain = operatorChain();
  chain.splice(6, 0, { type: 'awssts', parameters: { region: 'eu-west-1' } });
  chain[1] = { type: 'tokenexchange', parameters: { token_url: 'https://sts.example/token' } };
  const lines = problems(load(withChain(chain)));
  t.strictSame(lines, [
    '/middleware_configs/1/type: ToolHive middleware "tokenexchange" (from token_exchange_config) would run in a ToolHive replica, and thv-proxy does not enforce it; remove the entry, or pass --allow-unenforced token_exchange_config',
    '/middleware_configs/6/type: ToolHive middleware "awssts" (from aws_sts_config) would run in a ToolHive replica, and thv-proxy does not enforce it; remove the entry, or pass --allow-unenforced aws_sts_config',
  ]);
  t.equal(problems(load(withChain(chain), { allowUnenforced: ['token_exchange_config', 'aws_sts_config'] })).length, 0, 'allowed by their fields');
  const all = load(withChain(chain), { allowUnenforced: ['middleware_configs'] });
  t.equal(all.ok, true);
  t.match(all.warnings, [/^middleware_configs\/1: ToolHive middleware "tokenexchange" \(from token_exchange_config\) would run in a ToolHive replica, and thv-proxy does not enforce it \(--allow-unenforced\)$/, /^middleware_configs\/6: /]);
});

t.test('§2 §9 an "auth" entry with oidc_config parameters is mirrored by the top-level oidc_config thv-proxy enforces', async (t) => {
  const oidc = { issuer: 'https://idp.example', audience: 'mcp' };
  const chain = operatorChain();
  chain[1] = { type: 'auth', parameters: { oidc_config: oidc } };
  const r = load({ ...withChain(chain), oidc_config: oidc });
  t.equal(r.ok, true, problems(r).join('\n'));
  t.strictSame(problems(load(withChain(chain))), [
    '/middleware_configs/1/type: ToolHive middleware "auth" would run in a ToolHive replica, but thv-proxy builds it from oidc_config only, which is not set; remove the entry, or pass --allow-unenforced middleware_configs',
  ]);
});

t.test('§2 a middleware_configs entry of an unknown type, or without its field, is an error', async (t) => {
  const chain = operatorChain();
  chain.push({ type: 'enterprise-dlp', parameters: {} });
  const doc = withChain(chain);
  delete doc.rate_limit_config;
  delete doc.scaling_config;
  t.strictSame(problems(load(doc)), [
    '/middleware_configs/3/type: ToolHive middleware "ratelimit" would run in a ToolHive replica, but thv-proxy builds it from rate_limit_config only, which is not set; remove the entry, or pass --allow-unenforced middleware_configs',
    '/middleware_configs/7/type: unknown ToolHive middleware "enterprise-dlp": thv-proxy cannot tell what a ToolHive replica enforces with it; remove the entry, or pass --allow-unenforced middleware_configs',
  ]);
  t.strictSame(problems(load({ ...baseConfig(), middleware_configs: [{ parameters: {} }] })), ['/middleware_configs/0/type: missing required field "type" (a string)']);
});

t.test('§2 --allow-unenforced names: comma lists; a name that is no RunConfig field is refused', async (t) => {
  t.strictSame(parseAllowUnenforced('oidc_config, tools_filter,'), ['oidc_config', 'tools_filter']);
  t.throws(() => parseAllowUnenforced('oidc'), /not a RunConfig field: oidc \(fields thv-proxy does not enforce: .*token_exchange_config, .*middleware_configs\)/);
  t.throws(() => parseAllowUnenforced(' , '), /expected one or more RunConfig field names/);
  t.throws(() => parseAllowUnenforced('$schema'), /not a RunConfig field/);
  const r = load(baseConfig(), { allowUnenforced: ['rate_limit_config', 'image'] });
  t.equal(r.ok, true);
  t.strictSame(r.warnings, [
    '--allow-unenforced rate_limit_config has no effect: thv-proxy does not refuse rate_limit_config',
    '--allow-unenforced image has no effect: thv-proxy does not refuse image',
  ]);
});

t.test('§2 docs/configuration.md lists exactly the unenforced and the ignored fields', async (t) => {
  const doc = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  const between = (name: string): string => {
    const m = new RegExp(`<!-- ${name}:begin[^>]*-->([\\s\\S]*?)<!-- ${name}:end -->`).exec(doc);
    if (!m) throw new Error(`no ${name} markers in docs/configuration.md`);
    return m[1] as string;
  };
  const firstColumn = between('unenforced').split('\n').filter((l) => l.startsWith('| `')).flatMap((l) => [...(l.split('|')[1] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  t.strictSame(firstColumn.sort(), [...unenforced].sort(), 'the unenforced table');
  const listed = [...between('ignored').matchAll(/`([^`]+)`/g)].map((m) => m[1]).sort();
  const ignored = Object.entries(props).filter(([k, v]) => v.deprecated === true && !unenforced.has(k)).map(([k]) => k);
  t.strictSame(listed, [...ignored, 'scaling_config.backend_replicas'].sort(), 'the ignored list');
});
