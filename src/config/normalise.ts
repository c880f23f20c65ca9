// The last step of the loader: a RunConfigFile that passed the schema and every rule becomes the
// ProxyConfig the rest of the program reads — defaults applied, durations parsed, secrets
// resolved, CLI overrides applied. Pure: everything it needs is passed in.

import { parseHostPort } from './address.js';
import { bareHost } from './hostSyntax.js';
import { parseDuration } from './duration.js';
import type {
  OidcSource,
  Bucket,
  BucketFile,
  ProxyConfig,
  RateLimitConfig,
  RateLimitConfigFile,
  RedisConfig,
  RunConfigFile,
  StoreKind,
  ToolLimit,
  UpstreamConfig,
  WebhookConfig,
  WebhookFile,
} from './types.js';
import { webhookTimeoutMs } from './webhookRules.js';
import type { WebhookSecrets } from './webhookFiles.js';
import type { RedisFiles } from './redisFiles.js';
import { dialTimeoutMs } from './redisRules.js';

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  targetHost: '127.0.0.1',
  namespace: 'default',
  maxBodyBytes: 8 * 1024 * 1024,
  proxyMode: 'streamable-http',
  redisDb: 0,
  redisKeyPrefix: '',
} as const;

/** Command-line values that win over the file, or change how it is judged. */
export interface LoadOverrides {
  readonly host?: string | undefined;
  readonly port?: number | undefined;
  readonly store?: StoreKind | undefined;
  readonly maxBodyBytes?: number | undefined;
  /** `--allow-unenforced`: unenforced ToolHive fields accepted with a warning instead of an error. */
  readonly allowUnenforced?: readonly string[] | undefined;
}

export interface NormaliseInput {
  readonly file: RunConfigFile;
  readonly source: string;
  readonly overrides: LoadOverrides;
  readonly env: NodeJS.ProcessEnv;
  /** HMAC secret per webhook list and index, from webhookFiles.ts. */
  readonly secrets: WebhookSecrets;
  /** TLS material of session_redis, from redisFiles.ts; absent: plaintext. */
  readonly redisFiles?: RedisFiles | undefined;
  /** The smallest max_bytes of middleware_configs' bodylimit entries (middlewareParams.ts). */
  readonly middlewareMaxBodyBytes?: number | undefined;
}

function bucket(b: BucketFile | undefined): Bucket | null {
  return b ? { maxTokens: b.maxTokens, refillPeriodMs: parseDuration(b.refillPeriod) } : null;
}

function rateLimit(rl: RateLimitConfigFile, namespace: string): RateLimitConfig {
  const tools = new Map<string, ToolLimit>();
  for (const t of rl.tools ?? []) tools.set(t.name, { name: t.name, shared: bucket(t.shared), perUser: bucket(t.perUser) });
  return { namespace, shared: bucket(rl.shared), perUser: bucket(rl.perUser), tools };
}

function bracketIpv6(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Something follows the authority: a path, even just `/` (the schema guarantees `http(s)://`). */
const HAS_PATH = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i;

/**
 * remote_url's path as ToolHive reads it (Go's url.Parse): "" for `https://host` and
 * `https://host?q`, `/` for `https://host/`. WHATWG's parser says `/` for both, so the text decides;
 * the value is WHATWG's (percent-encoded, dot segments resolved), the bytes sent upstream.
 */
function remotePath(raw: string, url: URL): string {
  return HAS_PATH.test(raw) ? url.pathname : '';
}

function upstream(f: RunConfigFile): UpstreamConfig {
  const transport = f.transport ?? 'stdio';
  if (transport === 'stdio') {
    return {
      kind: 'stdio',
      command: f.command as string, // the rules guarantee it
      args: f.cmd_args ?? [],
      env: f.env_vars ?? {},
      proxyMode: f.proxy_mode ?? DEFAULTS.proxyMode,
    };
  }
  if (f.remote_url !== undefined) {
    const url = new URL(f.remote_url);
    return { kind: 'http', transport, origin: url.origin, path: remotePath(f.remote_url, url), query: url.search.slice(1) };
  }
  const host = bracketIpv6(f.target_host ?? DEFAULTS.targetHost);
  return { kind: 'http', transport, origin: `http://${host}:${f.target_port}`, path: '', query: '' };
}

function hostPort(address: string): { host: string; port: number } {
  return parseHostPort(address) ?? { host: '', port: 0 }; // the rules guarantee it parses
}

function redis(f: RunConfigFile, env: NodeJS.ProcessEnv, files: RedisFiles): RedisConfig {
  const r = f.scaling_config?.session_redis;
  const sentinel = r?.sentinel_config;
  const address = sentinel ? '' : (r?.address ?? '');
  const hp = hostPort(address);
  const password = env.THV_SESSION_REDIS_PASSWORD;
  const sentinelPassword = env.THV_SESSION_REDIS_SENTINEL_PASSWORD;
  return {
    topology: sentinel ? 'sentinel' : r?.cluster_mode === true ? 'cluster' : 'standalone',
    address,
    host: hp.host,
    port: hp.port,
    masterName: sentinel?.master_name ?? '',
    sentinels: (sentinel?.sentinel_addrs ?? []).map(hostPort),
    db: r?.db ?? DEFAULTS.redisDb,
    keyPrefix: r?.key_prefix ?? DEFAULTS.redisKeyPrefix,
    username: r?.username,
    password: password === '' ? undefined : password,
    sentinelPassword: sentinelPassword === '' ? undefined : sentinelPassword,
    tls: files.tls,
    sentinelTls: files.sentinelTls,
    dialTimeoutMs: dialTimeoutMs(r?.dial_timeout),
  };
}

function webhook(w: WebhookFile, secret: Buffer | null): WebhookConfig {
  return {
    name: w.name,
    url: w.url,
    timeoutMs: webhookTimeoutMs(w.timeout),
    failurePolicy: w.failure_policy,
    tls: {
      caBundlePath: w.tls_config?.ca_bundle_path,
      clientCertPath: w.tls_config?.client_cert_path,
      clientKeyPath: w.tls_config?.client_key_path,
      insecureSkipVerify: w.tls_config?.insecure_skip_verify ?? false,
    },
    hmacSecret: secret,
  };
}

/** oidc_config as written, with what ToolHive's runner adds to it from elsewhere. */
function oidcSource(f: RunConfigFile, env: NodeJS.ProcessEnv): OidcSource {
  const top = f as unknown as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
  return {
    document: f.oidc_config as Record<string, unknown>,
    envClientSecret: env.THV_OIDC_CLIENT_SECRET,
    toolhiveCaBundle: text(top.thv_ca_bundle),
    toolhiveAuthTokenFile: text(top.jwks_auth_token_file),
  };
}

export function normalise({ file: f, source, overrides, env, secrets, redisFiles, middlewareMaxBodyBytes }: NormaliseInput): ProxyConfig {
  const store = overrides.store ?? 'redis';
  const rl = f.rate_limit_config ? rateLimit(f.rate_limit_config, f.rate_limit_namespace ?? DEFAULTS.namespace) : null;
  return {
    source,
    name: f.name,
    transport: f.transport ?? 'stdio',
    // A socket takes IPv6 without brackets; the rules (and --host's parser) accepted both forms.
    host: bareHost(overrides.host ?? f.host ?? DEFAULTS.host),
    port: overrides.port ?? f.port ?? DEFAULTS.port,
    upstream: upstream(f),
    trustProxyHeaders: f.trust_proxy_headers ?? false,
    allowedOrigins: f.allowed_origins ?? [],
    allowedHosts: f.allowed_hosts ?? [],
    // A ToolHive replica enforces a bodylimit entry's max_bytes: the stricter limit applies.
    maxBodyBytes: Math.min(overrides.maxBodyBytes ?? f.max_body_bytes ?? DEFAULTS.maxBodyBytes, middlewareMaxBodyBytes ?? Infinity),
    rateLimit: rl,
    store,
    redis: rl !== null && store === 'redis' ? redis(f, env, redisFiles ?? { tls: null, sentinelTls: null }) : null,
    webhooks: (f.validating_webhooks ?? []).map((w, i) => webhook(w, secrets.validating_webhooks[i] ?? null)),
    mutatingWebhooks: (f.mutating_webhooks ?? []).map((w, i) => webhook(w, secrets.mutating_webhooks[i] ?? null)),
    // Compiled by src/authz/config.ts and src/toolfilter/config.ts. Empty values are Go's nil: off.
    authz: f.authz_config || f.authz_config_path ? { config: f.authz_config ?? null, path: f.authz_config_path || null } : null,
    tools:
      (f.tools_filter?.length ?? 0) > 0 || Object.keys(f.tools_override ?? {}).length > 0
        ? { filter: f.tools_filter ?? [], override: f.tools_override ?? {} }
        : null,
    // Parsed by the authentication stage's compile (src/auth/oidcConfig.ts); null like Go's nil.
    oidc: f.oidc_config ? oidcSource(f, env) : null,
    // Compiled by src/telemetry/config.ts and src/audit/config.ts; null like Go's nil pointer.
    telemetry: f.telemetry_config ?? null,
    audit: f.audit_config || f.audit_config_path ? { config: f.audit_config ?? null, path: f.audit_config_path || null } : null,
  };
}
