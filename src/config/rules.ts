// The semantic rules of SPEC §2 that a JSON Schema cannot say (uniqueness, "one of", durations,
// cross-field requirements). Each violation is its own error with the pointer of its field.
// They run even when the schema step failed — so every problem is reported at once — and
// therefore check the type of everything they read.

import { DurationError, parseDuration } from './duration.js';
import { Findings, isObject } from './findings.js';
import type { StoreKind } from './types.js';
import { checkWebhooks, WEBHOOK_LISTS } from './webhookRules.js';
import { checkRedis } from './redisRules.js';
import { hostProblem, type HostRules } from './hostSyntax.js';
import { urlForDisplay } from './urlText.js';

export interface RuleContext {
  /** `--store`: with "memory" rate limiting needs no Redis. */
  readonly store: StoreKind;
}

export const PER_USER_MESSAGE = 'per-user rate limits need authentication: set oidc_config (the user is the token\'s sub claim)';

/**
 * A duration the schema's go-duration format accepted must also be > 0: "0s"/negative -> error
 * and null; else milliseconds. Not a duration at all -> null (the schema step reported it).
 */
export function checkDuration(value: unknown, path: string, out: Findings): number | null {
  if (typeof value !== 'string') return null; // the schema step reports the type
  try {
    const ms = parseDuration(value);
    if (ms > 0) return ms;
    out.error(path, `must be greater than 0 (got ${JSON.stringify(value)})`);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
  }
  return null;
}

function checkTransport(doc: Record<string, unknown>, out: Findings): void {
  const { transport, command } = doc;
  if (transport === undefined && command === undefined) {
    out.error('/transport', 'missing: set "streamable-http", "sse" or "stdio" (it may be left out only when command is set, which means "stdio")');
    return;
  }
  const effective = transport ?? 'stdio';
  if (effective === 'stdio') {
    if (command === undefined) out.error('/command', 'required when transport is "stdio" (the MCP server program to run)');
    for (const f of ['remote_url', 'target_host', 'target_port']) {
      if (doc[f] !== undefined) out.warn(`${f} is ignored with transport "stdio"`);
    }
    return;
  }
  if (effective !== 'sse' && effective !== 'streamable-http') return; // the schema step reports it
  const remote = doc.remote_url;
  if (remote === undefined && doc.target_port === undefined) {
    out.error('/remote_url', `transport "${effective}" needs remote_url or target_port (where the upstream MCP server listens)`);
  }
  // The scheme (http or https) is the schema's rule; its "uri" format lets through what the URL
  // parser (normalise, the proxy) refuses: "http://", a port above 65535.
  if (typeof remote === 'string' && !URL.canParse(remote)) {
    out.errorOnce('/remote_url', `must be an absolute http or https URL such as "https://mcp.example.com/mcp", got ${JSON.stringify(urlForDisplay(remote))}`);
  } else if (typeof remote === 'string') {
    // ToolHive forwards to scheme + host only (pkg/transport/http.go), so no replica would send
    // these credentials; and a password in the config would be printed wherever the URL is.
    const url = new URL(remote);
    if (url.username !== '' || url.password !== '') {
      out.errorOnce('/remote_url', `must not hold a user name or password ("user:password@host"): they are not sent to the upstream (ToolHive drops them too) and would be printed with the URL; got ${JSON.stringify(urlForDisplay(remote))}`);
    }
    if (doc.target_port !== undefined || doc.target_host !== undefined) out.warn('target_host/target_port are ignored: remote_url is set');
  }
  for (const f of ['command', 'cmd_args', 'env_vars', 'proxy_mode']) {
    if (doc[f] !== undefined) out.warn(`${f} is ignored with transport "${effective}"`);
  }
}

/** `host` is listened on, `target_host` pasted into the upstream origin: both must be hosts. */
function checkHost(value: unknown, path: string, rules: HostRules, out: Findings): void {
  if (typeof value !== 'string' || value === '') return; // the schema step reports type and ""
  const problem = hostProblem(value, rules);
  if (problem !== null) out.error(path, problem);
}

function checkBucket(bucket: unknown, path: string, out: Findings): void {
  if (isObject(bucket)) checkDuration(bucket.refillPeriod, `${path}/refillPeriod`, out);
}

/** `perUser` keys on the token's `sub` (SPEC §4): only a config with oidc_config has one. */
function checkRateLimit(rl: Record<string, unknown>, authenticated: boolean, out: Findings): void {
  const tools = Array.isArray(rl.tools) ? rl.tools : [];
  if (rl.shared === undefined && rl.perUser === undefined && tools.length === 0) {
    out.error('/rate_limit_config', 'needs at least one of shared, perUser or a non-empty tools list');
  }
  checkBucket(rl.shared, '/rate_limit_config/shared', out);
  if (rl.perUser !== undefined) {
    if (!authenticated) out.error('/rate_limit_config/perUser', PER_USER_MESSAGE);
    checkBucket(rl.perUser, '/rate_limit_config/perUser', out);
  }

  const seen = new Set<string>();
  tools.forEach((tool: unknown, i) => {
    const path = `/rate_limit_config/tools/${i}`;
    if (!isObject(tool)) return;
    const name = typeof tool.name === 'string' ? tool.name : undefined;
    if (name !== undefined && name !== '') {
      if (seen.has(name)) out.error(`${path}/name`, `duplicate tool name ${JSON.stringify(name)}`);
      seen.add(name);
    }
    if (tool.shared === undefined && tool.perUser === undefined) {
      out.error(path, `tool ${JSON.stringify(name ?? '')} needs shared or perUser`);
    }
    checkBucket(tool.shared, `${path}/shared`, out);
    if (tool.perUser !== undefined) {
      if (!authenticated) out.error(`${path}/perUser`, PER_USER_MESSAGE);
      checkBucket(tool.perUser, `${path}/perUser`, out);
    }
  });
}

/** Every semantic rule of SPEC §2, on the parsed (not necessarily schema-valid) document. */
export function checkRules(doc: unknown, ctx: RuleContext, out: Findings): void {
  if (!isObject(doc)) return;
  checkTransport(doc, out);
  checkHost(doc.host, '/host', { zone: true }, out);
  checkHost(doc.target_host, '/target_host', {}, out);
  // null, like Go's nil pointer, is no authentication.
  if (isObject(doc.rate_limit_config)) checkRateLimit(doc.rate_limit_config, isObject(doc.oidc_config), out);
  checkRedis(doc, ctx, out);
  for (const field of WEBHOOK_LISTS) {
    const list = doc[field];
    if (Array.isArray(list)) checkWebhooks(list, out, field);
  }
}
