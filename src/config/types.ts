// Two shapes of the config: `RunConfigFile` is the JSON as written (field names of ToolHive's
// RunConfig, checked against schemas/runconfig.schema.json by test/unit/config/schema-types.test.ts),
// and `ProxyConfig` is what the rest of the program uses: defaults applied, durations parsed,
// secrets resolved, deep-frozen. Nothing downstream of the loader reads RunConfigFile.

export type Transport = 'streamable-http' | 'sse' | 'stdio';
export type ProxyMode = 'streamable-http' | 'sse';
export type FailurePolicy = 'fail' | 'ignore';

export interface BucketFile {
  maxTokens: number;
  refillPeriod: string;
}

export interface ToolLimitFile {
  name: string;
  shared?: BucketFile;
  perUser?: BucketFile;
}

export interface RateLimitConfigFile {
  shared?: BucketFile;
  perUser?: BucketFile;
  tools?: ToolLimitFile[];
}

/** TLS to Redis or to the sentinels (thv-proxy extension, SPEC §13); its presence enables TLS. */
export interface RedisTlsFile {
  ca_cert_path?: string;
  client_cert_path?: string;
  client_key_path?: string;
  server_name?: string;
  insecure_skip_verify?: boolean;
}

export interface SentinelConfigFile {
  master_name: string;
  sentinel_addrs: string[];
}

export interface SessionRedisFile {
  /** "host:port": the server, or a seed node with cluster_mode; absent with sentinel_config. */
  address?: string;
  db?: number;
  key_prefix?: string;
  /** The extensions of SPEC §13 (ToolHive ignores unknown fields). */
  username?: string;
  tls?: RedisTlsFile;
  cluster_mode?: boolean;
  sentinel_config?: SentinelConfigFile;
  sentinel_tls?: RedisTlsFile;
  /** Go duration; default 5s. */
  dial_timeout?: string;
}

export interface WebhookTlsFile {
  ca_bundle_path?: string;
  client_cert_path?: string;
  client_key_path?: string;
  insecure_skip_verify?: boolean;
}

export interface WebhookFile {
  name: string;
  url: string;
  /** Go duration string, or integer nanoseconds. */
  timeout?: string | number;
  failure_policy: FailurePolicy;
  tls_config?: WebhookTlsFile;
  /** Absolute file path (its contents are the secret) or `env:NAME`. */
  hmac_secret_ref?: string;
}

/**
 * ToolHive's token-validator config (SPEC §9). Keys are matched case-insensitively, as Go's
 * encoding/json does (`Issuer`, `JWKSURL` and `CACertPath` from a Go export work too); the
 * names here are the API's. Compiled by src/auth/stage.ts.
 */
export interface OidcConfigFile {
  issuer?: string;
  audience?: string;
  jwksurl?: string;
  clientID?: string;
  /** Or env THV_OIDC_CLIENT_SECRET; never logged. */
  clientSecret?: string;
  introspectionURL?: string;
  cacertPath?: string;
  authTokenFile?: string;
  allowPrivateIP?: boolean;
  insecureAllowHTTP?: boolean;
  resourceURL?: string;
  scopes?: string[];
}

/** ToolHive's authz.Config (pkg/authz/authorizers), type cedarv1; compiled by src/authz/config.ts (SPEC §10). */
export interface AuthzConfigFile {
  version: string;
  type: string;
  cedar?: {
    policies: string[];
    entities_json?: string;
    group_claim_name?: string;
    role_claim_name?: string;
    group_entity_type?: string;
    multi_valued_claims?: string[];
    primary_upstream_provider?: string;
  };
}

/** A tools_override entry: what the client sees instead of the real name/description. */
export interface ToolOverrideFile {
  name?: string;
  description?: string;
}

/**
 * ToolHive's telemetry.Config (pkg/telemetry/config.go), keys as its JSON tags. Compiled by
 * src/telemetry/config.ts (SPEC §12).
 */
export interface TelemetryConfigFile {
  /** OTLP/HTTP collector: `host[:port]` as ToolHive stores it (https unless insecure), or a URL. */
  endpoint?: string;
  serviceName?: string;
  serviceVersion?: string;
  tracingEnabled?: boolean;
  metricsEnabled?: boolean;
  /** "0.05" as ToolHive writes it; a number is accepted too. */
  samplingRate?: string | number;
  headers?: Record<string, string>;
  insecure?: boolean;
  enablePrometheusMetricsPath?: boolean;
  prometheusPort?: number;
  metricsOnTransportPort?: boolean;
  environmentVariables?: string[];
  customAttributes?: Record<string, string>;
  useLegacyAttributes?: boolean;
  caCertPath?: string;
}

/** ToolHive's audit.Config (pkg/audit/config.go). Compiled by src/audit/config.ts (SPEC §12). */
export interface AuditConfigFile {
  enabled?: boolean;
  component?: string;
  eventTypes?: string[];
  excludeEventTypes?: string[];
  includeRequestData?: boolean;
  includeResponseData?: boolean;
  detectApplicationErrors?: boolean;
  maxDataSize?: number;
  maxDelegationDepth?: number;
  logFile?: string;
}

/** An entry of ToolHive's `middleware_configs` (judged by middlewareConfigs.ts, not run). */
export interface MiddlewareConfigFile {
  type: string;
  parameters?: unknown;
}

export interface RunConfigFile {
  /** Where editors find the JSON Schema; not used. */
  $schema?: string;
  schema_version?: string;
  name: string;
  transport?: Transport;
  host?: string;
  port?: number;
  target_host?: string;
  target_port?: number;
  remote_url?: string;
  command?: string;
  cmd_args?: string[];
  env_vars?: Record<string, string>;
  proxy_mode?: ProxyMode;
  trust_proxy_headers?: boolean;
  allowed_origins?: string[];
  allowed_hosts?: string[];
  rate_limit_namespace?: string;
  rate_limit_config?: RateLimitConfigFile;
  scaling_config?: { session_redis?: SessionRedisFile };
  validating_webhooks?: WebhookFile[];
  /** Same entries as validating_webhooks; called before them (SPEC §11). */
  mutating_webhooks?: WebhookFile[];
  /** thv-proxy extension: request body limit in bytes (default 8 MiB). */
  max_body_bytes?: number;
  /** Accepted: the parser is always strict. */
  strict_protocol_validation?: boolean;
  middleware_configs?: MiddlewareConfigFile[];
  /** Cedar authorization (SPEC §10); authz_config_path wins when both are set, as in ToolHive. */
  authz_config?: AuthzConfigFile | null;
  authz_config_path?: string;
  /** Tool visibility and renaming (SPEC §10). */
  tools_filter?: string[] | null;
  tools_override?: Record<string, ToolOverrideFile> | null;
  oidc_config?: OidcConfigFile | null;
  telemetry_config?: TelemetryConfigFile | null;
  audit_config?: AuditConfigFile | null;
  /** A JSON file holding an audit_config; used when audit_config is absent (as ToolHive). */
  audit_config_path?: string;
}

// ---------------------------------------------------------------------------------------------
// Normalised config

/** oidc_config as the loader passes it to its stage: the object as written, and the env secret. */
export interface OidcSource {
  readonly document: Readonly<Record<string, unknown>>;
  /** THV_OIDC_CLIENT_SECRET, used when the config has no clientSecret. */
  readonly envClientSecret: string | undefined;
  /**
   * ToolHive's top-level `thv_ca_bundle` and `jwks_auth_token_file`, which its runner hands to the
   * token validator as CACertPath and AuthTokenFile: used when oidc_config sets neither.
   */
  readonly toolhiveCaBundle?: string | undefined;
  readonly toolhiveAuthTokenFile?: string | undefined;
}

export interface Bucket {
  readonly maxTokens: number;
  readonly refillPeriodMs: number;
}

export interface ToolLimit {
  readonly name: string;
  readonly shared: Bucket | null;
  readonly perUser: Bucket | null;
}

export interface RateLimitConfig {
  /** `rate_limit_namespace`, default "default". */
  readonly namespace: string;
  readonly shared: Bucket | null;
  readonly perUser: Bucket | null;
  /** Tools with their own buckets, keyed by tool name. */
  readonly tools: ReadonlyMap<string, ToolLimit>;
}

/** TLS settings of a Redis connection, PEM files read and parsed at load (src/config/redisFiles.ts). */
export interface RedisTls {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  /** SNI and the name the certificate must carry; undefined: the host connected to. */
  readonly serverName: string | undefined;
  readonly rejectUnauthorized: boolean;
}

/** How the Redis of the buckets is deployed (SPEC §13). */
export type RedisTopology = 'standalone' | 'cluster' | 'sentinel';

export interface RedisConfig {
  readonly topology: RedisTopology;
  /** As written in the config: "host:port" of the server or of the cluster's seed node; "" with sentinel. */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** sentinel: the monitored master's name and the sentinels ("" and [] otherwise). */
  readonly masterName: string;
  readonly sentinels: readonly { readonly host: string; readonly port: number }[];
  readonly db: number;
  readonly keyPrefix: string;
  /** ACL user; undefined: the default user. */
  readonly username: string | undefined;
  /** From THV_SESSION_REDIS_PASSWORD; never logged. */
  readonly password: string | undefined;
  /** From THV_SESSION_REDIS_SENTINEL_PASSWORD, for sentinels with requirepass; never logged. */
  readonly sentinelPassword: string | undefined;
  /** null: plaintext. */
  readonly tls: RedisTls | null;
  /** TLS to the sentinels; null: plaintext. */
  readonly sentinelTls: RedisTls | null;
  /** dial_timeout: bound of the startup connection and of each connection attempt. */
  readonly dialTimeoutMs: number;
}

export interface WebhookTls {
  readonly caBundlePath: string | undefined;
  readonly clientCertPath: string | undefined;
  readonly clientKeyPath: string | undefined;
  readonly insecureSkipVerify: boolean;
}

export interface WebhookConfig {
  readonly name: string;
  readonly url: string;
  readonly timeoutMs: number;
  readonly failurePolicy: FailurePolicy;
  readonly tls: WebhookTls;
  /** Resolved at load time from hmac_secret_ref; null when unsigned. Never logged. */
  readonly hmacSecret: Buffer | null;
}

export type UpstreamConfig =
  | {
      readonly kind: 'http';
      readonly transport: 'streamable-http' | 'sse';
      /** e.g. http://127.0.0.1:9000 */
      readonly origin: string;
      /**
       * remote_url's path as written, "" when it has none (`https://host`, target_port). When set
       * it replaces the client's path, as ToolHive's remoteBasePath does (src/proxy/httpProxy.ts).
       */
      readonly path: string;
      /** remote_url's query without the "?" ("" when none): sent on every request, before the client's. May hold a key: never printed. */
      readonly query: string;
    }
  | {
      readonly kind: 'stdio';
      readonly command: string;
      readonly args: readonly string[];
      readonly env: Readonly<Record<string, string>>;
      readonly proxyMode: ProxyMode;
    };

export type StoreKind = 'redis' | 'memory';

export interface ProxyConfig {
  /** Path of the file it was loaded from (for messages). */
  readonly source: string;
  readonly name: string;
  readonly transport: Transport;
  readonly host: string;
  readonly port: number;
  readonly upstream: UpstreamConfig;
  readonly trustProxyHeaders: boolean;
  readonly allowedOrigins: readonly string[];
  readonly allowedHosts: readonly string[];
  readonly maxBodyBytes: number;
  /** null when rate_limit_config is absent. */
  readonly rateLimit: RateLimitConfig | null;
  /** Which token-bucket store backs rate limiting (`--store`). */
  readonly store: StoreKind;
  /** null unless rate limiting uses Redis. */
  readonly redis: RedisConfig | null;
  /** validating_webhooks, in config order. */
  readonly webhooks: readonly WebhookConfig[];
  /** mutating_webhooks, in config order (SPEC §11). */
  readonly mutatingWebhooks: readonly WebhookConfig[];
  /** authz_config / authz_config_path as written, compiled by src/authz/stage.ts; absent or null: off. */
  readonly authz?: { readonly config: AuthzConfigFile | null; readonly path: string | null } | null;
  /** tools_filter / tools_override as written, compiled by src/toolfilter/stage.ts; absent or null: off. */
  readonly tools?: { readonly filter: readonly string[]; readonly override: Readonly<Record<string, ToolOverrideFile>> } | null;
  /**
   * oidc_config as written (any key case) with THV_OIDC_CLIENT_SECRET, compiled by the
   * authentication stage (src/auth/stage.ts); absent or null: no authentication.
   */
  readonly oidc?: OidcSource | null;
  /** telemetry_config as written, compiled by src/telemetry/config.ts; absent or null: off. */
  readonly telemetry?: TelemetryConfigFile | null;
  /** audit_config as written, or the path of a file holding one; compiled by src/audit/config.ts. */
  readonly audit?: { readonly config: AuditConfigFile | null; readonly path: string | null } | null;
}

/** A problem found while loading: JSON pointer of the field (or "" for the whole file) + message. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}
