// §2 the TypeScript types of the file (src/config/types.ts) and schemas/runconfig.schema.json
// agree. The key lists below are checked against the types by the compiler (`satisfies` with a
// mapped type: a missing or extra key, or a wrong required/optional flag, fails `npm run
// typecheck`) and against the schema by this test, so neither can drift alone.
import t from 'tap';
import { RUNCONFIG_SCHEMA } from '../../../src/config/schema.js';
import type {
  AuditConfigFile,
  TelemetryConfigFile,
  BucketFile,
  MiddlewareConfigFile,
  AuthzConfigFile,
  ToolOverrideFile,
  OidcConfigFile,
  RateLimitConfigFile,
  RedisTlsFile,
  RunConfigFile,
  SentinelConfigFile,
  SessionRedisFile,
  ToolLimitFile,
  WebhookFile,
  WebhookTlsFile,
} from '../../../src/config/types.js';

type Presence<T> = { [K in keyof T]-?: undefined extends T[K] ? 'optional' : 'required' };

const runConfig = {
  schema_version: 'optional', name: 'required', transport: 'optional', host: 'optional', port: 'optional',
  target_host: 'optional', target_port: 'optional', remote_url: 'optional', command: 'optional', cmd_args: 'optional',
  env_vars: 'optional', proxy_mode: 'optional', trust_proxy_headers: 'optional', allowed_origins: 'optional',
  allowed_hosts: 'optional', rate_limit_namespace: 'optional', rate_limit_config: 'optional', scaling_config: 'optional',
  validating_webhooks: 'optional', mutating_webhooks: 'optional', max_body_bytes: 'optional', strict_protocol_validation: 'optional',
  middleware_configs: 'optional', $schema: 'optional', oidc_config: 'optional',
  telemetry_config: 'optional', audit_config: 'optional', audit_config_path: 'optional',
  authz_config: 'optional', authz_config_path: 'optional', tools_filter: 'optional', tools_override: 'optional',
} as const satisfies Presence<RunConfigFile>;
const oidc = {
  issuer: 'optional', audience: 'optional', jwksurl: 'optional', clientID: 'optional', clientSecret: 'optional',
  introspectionURL: 'optional', cacertPath: 'optional', authTokenFile: 'optional', allowPrivateIP: 'optional',
  insecureAllowHTTP: 'optional', resourceURL: 'optional', scopes: 'optional',
} as const satisfies Presence<OidcConfigFile>;
const telemetry = {
  endpoint: 'optional', serviceName: 'optional', serviceVersion: 'optional', tracingEnabled: 'optional', metricsEnabled: 'optional',
  samplingRate: 'optional', headers: 'optional', insecure: 'optional', enablePrometheusMetricsPath: 'optional', prometheusPort: 'optional',
  metricsOnTransportPort: 'optional', environmentVariables: 'optional', customAttributes: 'optional', useLegacyAttributes: 'optional',
  caCertPath: 'optional',
} as const satisfies Presence<TelemetryConfigFile>;
const audit = {
  enabled: 'optional', component: 'optional', eventTypes: 'optional', excludeEventTypes: 'optional', includeRequestData: 'optional',
  includeResponseData: 'optional', detectApplicationErrors: 'optional', maxDataSize: 'optional', maxDelegationDepth: 'optional',
  logFile: 'optional',
} as const satisfies Presence<AuditConfigFile>;
const middlewareConfig = { type: 'required', parameters: 'optional' } as const satisfies Presence<MiddlewareConfigFile>;
const authz = { version: 'required', type: 'required', cedar: 'optional' } as const satisfies Presence<AuthzConfigFile>;
const cedar = {
  policies: 'required', entities_json: 'optional', group_claim_name: 'optional', role_claim_name: 'optional',
  group_entity_type: 'optional', multi_valued_claims: 'optional', primary_upstream_provider: 'optional',
} as const satisfies Presence<NonNullable<AuthzConfigFile['cedar']>>;
const toolOverride = { name: 'optional', description: 'optional' } as const satisfies Presence<ToolOverrideFile>;
const bucket = { maxTokens: 'required', refillPeriod: 'required' } as const satisfies Presence<BucketFile>;
const toolLimit = { name: 'required', shared: 'optional', perUser: 'optional' } as const satisfies Presence<ToolLimitFile>;
const rateLimit = { shared: 'optional', perUser: 'optional', tools: 'optional' } as const satisfies Presence<RateLimitConfigFile>;
const sessionRedis = {
  address: 'optional', db: 'optional', key_prefix: 'optional', username: 'optional', tls: 'optional', cluster_mode: 'optional',
  sentinel_config: 'optional', sentinel_tls: 'optional', dial_timeout: 'optional',
} as const satisfies Presence<SessionRedisFile>;
const redisTls = {
  ca_cert_path: 'optional', client_cert_path: 'optional', client_key_path: 'optional', server_name: 'optional', insecure_skip_verify: 'optional',
} as const satisfies Presence<RedisTlsFile>;
const sentinelConfig = { master_name: 'required', sentinel_addrs: 'required' } as const satisfies Presence<SentinelConfigFile>;
const webhookTls = {
  ca_bundle_path: 'optional', client_cert_path: 'optional', client_key_path: 'optional', insecure_skip_verify: 'optional',
} as const satisfies Presence<WebhookTlsFile>;
const webhook = {
  name: 'required', url: 'required', timeout: 'optional', failure_policy: 'required', tls_config: 'optional', hmac_secret_ref: 'optional',
} as const satisfies Presence<WebhookFile>;
const scaling = { session_redis: 'optional' } as const satisfies Presence<NonNullable<RunConfigFile['scaling_config']>>;

type Node = { properties?: Record<string, Node & { deprecated?: boolean }>; required?: string[]; $ref?: string; items?: Node; $defs?: Record<string, Node> };
const root = RUNCONFIG_SCHEMA as Node;

function resolve(node: Node): Node {
  if (node.$ref === undefined) return node;
  const name = node.$ref.replace('#/$defs/', '');
  const target = root.$defs?.[name];
  if (!target) throw new Error(`unresolved $ref ${node.$ref}`);
  return target;
}

function at(...path: string[]): Node {
  let node = root;
  for (const key of path) {
    node = resolve(key === '[]' ? (node.items as Node) : (node.properties?.[key] as Node));
  }
  return node;
}

function shape(node: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(node.properties ?? {})) {
    if (v.deprecated === true) continue; // ToolHive fields thv-proxy ignores: not in the types
    out[k] = node.required?.includes(k) ? 'required' : 'optional';
  }
  return out;
}

t.test('§2 every object of the schema has exactly the fields of its TypeScript type', async (t) => {
  const table: [string, Node, Record<string, string>][] = [
    ['RunConfigFile', at(), runConfig],
    ['RateLimitConfigFile', at('rate_limit_config'), rateLimit],
    ['BucketFile (shared)', at('rate_limit_config', 'shared'), bucket],
    ['BucketFile (perUser)', at('rate_limit_config', 'perUser'), bucket],
    ['ToolLimitFile', at('rate_limit_config', 'tools', '[]'), toolLimit],
    ['scaling_config', at('scaling_config'), scaling],
    ['SessionRedisFile', at('scaling_config', 'session_redis'), sessionRedis],
    ['RedisTlsFile (tls)', at('scaling_config', 'session_redis', 'tls'), redisTls],
    ['RedisTlsFile (sentinel_tls)', at('scaling_config', 'session_redis', 'sentinel_tls'), redisTls],
    ['SentinelConfigFile', at('scaling_config', 'session_redis', 'sentinel_config'), sentinelConfig],
    ['WebhookFile', at('validating_webhooks', '[]'), webhook],
    ['WebhookTlsFile', at('validating_webhooks', '[]', 'tls_config'), webhookTls],
    ['WebhookFile (mutating)', at('mutating_webhooks', '[]'), webhook],
    ['MiddlewareConfigFile', at('middleware_configs', '[]'), middlewareConfig],
    ['OidcConfigFile', at('oidc_config'), oidc],
    ['TelemetryConfigFile', at('telemetry_config'), telemetry],
    ['AuditConfigFile', at('audit_config'), audit],
    ['AuthzConfigFile', at('authz_config'), authz],
    ['AuthzConfigFile.cedar', at('authz_config', 'cedar'), cedar],
    ['ToolOverrideFile', (at('tools_override') as { additionalProperties: Node }).additionalProperties, toolOverride],
  ];
  for (const [name, node, keys] of table) {
    t.strictSame(shape(node), { ...keys }, name);
  }
});

t.test('§2 every field of the schema has a description', async (t) => {
  const missing: string[] = [];
  const walk = (node: Node & { description?: string }, path: string): void => {
    for (const [k, v] of Object.entries(node.properties ?? {})) {
      if (typeof (v as { description?: string }).description !== 'string') missing.push(`${path}/${k}`);
      walk(v, `${path}/${k}`);
      if (v.items) walk(v.items, `${path}/${k}/[]`);
    }
  };
  walk(root, '');
  for (const [name, def] of Object.entries(root.$defs ?? {})) walk(def, `$defs/${name}`);
  t.strictSame(missing, []);
});

t.test('§2 objects reject unknown fields everywhere', async (t) => {
  const open: string[] = [];
  const walk = (node: Node & { type?: unknown; additionalProperties?: unknown }, path: string): void => {
    if (node.type === 'object' && node.properties && node.additionalProperties !== false) open.push(path);
    for (const [k, v] of Object.entries(node.properties ?? {})) walk(v, `${path}/${k}`);
  };
  walk(root, '');
  for (const [name, def] of Object.entries(root.$defs ?? {})) walk(def, `$defs/${name}`);
  t.strictSame(open, []);
});
