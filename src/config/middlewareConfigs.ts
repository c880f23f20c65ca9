// `middleware_configs`: the chain ToolHive's operator writes into a RunConfig
// (runner.PopulateMiddlewareConfigs). When it is non-empty, a ToolHive runner builds its chain
// from these entries and not from the typed fields (runner.go: `if len(MiddlewareConfigs) == 0`),
// so each entry is judged by its type (SPEC §2, never silently weaker than ToolHive):
// - a middleware that enforces nothing, or that thv-proxy always runs, is fine;
// - one built from a field thv-proxy does not enforce (unenforced.ts) is an error, unless that
//   field or `middleware_configs` is named in --allow-unenforced;
// - one built from a field thv-proxy enforces is fine when that field is set: thv-proxy builds
//   its chain from the typed fields, and the operator writes both from the same source;
// - an unknown type is an error: nobody can say what it enforces.

import { Findings, isObject } from './findings.js';
import { isSet, isUnenforced } from './unenforced.js';
import { goField } from './goJsonKey.js';
import { parameterDisagreement } from './middlewareParams.js';

/**
 * Every middleware type of ToolHive's runner (pkg/runner/middleware.go,
 * GetSupportedMiddlewareFactories) with the RunConfig fields it is built from; [] when it
 * enforces nothing or thv-proxy always runs it.
 */
const TOOLHIVE_MIDDLEWARE: ReadonlyMap<string, readonly string[]> = new Map([
  ['bodylimit', []], // thv-proxy's body limit is always on, and honours max_bytes (middlewareParams.ts)
  ['origin', []], // the Host/Origin guard
  ['mcp-parser', []],
  ['recovery', []],
  ['usagemetrics', []], // ToolHive's anonymous usage counters
  ['telemetry', []], // observes, refuses nothing
  ['auth', ['oidc_config']], // without oidc_config parameters: the local-user fallback, see below
  ['ratelimit', ['rate_limit_config']],
  ['validating-webhook', ['validating_webhooks']],
  ['mutating-webhook', ['mutating_webhooks']],
  ['tool-filter', ['tools_filter', 'tools_override']],
  ['tool-call-filter', ['tools_filter', 'tools_override']],
  ['authorization', ['authz_config', 'authz_config_path']],
  ['audit', ['audit_config', 'audit_config_path']],
  ['tokenexchange', ['token_exchange_config']],
  ['upstreamswap', ['embedded_auth_server_config', 'upstream_swap_config']],
  ['strip-auth', ['embedded_auth_server_config']],
  ['awssts', ['aws_sts_config']],
  ['header-forward', ['header_forward']],
  ['obo', ['additional_middleware_configs']], // the enterprise on-behalf-of exchange
]);

/** The fields an entry is built from. */
function sources(type: string, parameters: unknown): readonly string[] | undefined {
  // ToolHive always adds "auth"; with no OIDC config it accepts every request as the local user.
  // Go reads "OIDC_Config" as oidc_config (goJsonKey.ts).
  if (type === 'auth' && !(isObject(parameters) && isSet(goField(parameters, 'oidc_config')))) return [];
  return TOOLHIVE_MIDDLEWARE.get(type);
}

interface Problem {
  readonly message: string;
  /** The --allow-unenforced name that accepts it. */
  readonly allowedBy: string;
}

function judge(entry: Record<string, unknown> & { type: string }, doc: Record<string, unknown>): Problem | null {
  const { type } = entry;
  const from = sources(type, entry.parameters);
  if (from === undefined) {
    return { message: `unknown ToolHive middleware "${type}": thv-proxy cannot tell what a ToolHive replica enforces with it`, allowedBy: 'middleware_configs' };
  }
  const unenforced = from.filter(isUnenforced);
  if (unenforced.length > 0) {
    return {
      message: `ToolHive middleware "${type}" (from ${unenforced.join('/')}) would run in a ToolHive replica, and thv-proxy does not enforce it`,
      allowedBy: unenforced[0] as string,
    };
  }
  if (from.length > 0 && !from.some((f) => isSet(doc[f]))) {
    return {
      message: `ToolHive middleware "${type}" would run in a ToolHive replica, but thv-proxy builds it from ${from.join('/')} only, which is not set`,
      allowedBy: 'middleware_configs',
    };
  }
  return null;
}

/** An accepted entry whose parameters copy a typed field must agree with it (middlewareParams.ts). */
function checkParameters(type: string, parameters: unknown, i: number, doc: Record<string, unknown>, allow: ReadonlySet<string>, out: Findings): void {
  const d = parameterDisagreement(type, parameters, doc);
  if (d === null) return;
  if (allow.has('middleware_configs')) out.warn(`middleware_configs/${i}/parameters/${d.key}: ${d.message} (--allow-unenforced)`);
  else out.error(`/middleware_configs/${i}/parameters/${d.key}`, `${d.message}; ${d.remedy}, or pass --allow-unenforced middleware_configs`);
}

export function checkMiddlewareConfigs(doc: unknown, allow: ReadonlySet<string>, out: Findings): void {
  if (!isObject(doc) || !Array.isArray(doc.middleware_configs)) return;
  doc.middleware_configs.forEach((entry: unknown, i) => {
    if (!isObject(entry) || typeof entry.type !== 'string') return; // the schema step reports it
    const problem = judge(entry as Record<string, unknown> & { type: string }, doc);
    if (problem === null) {
      checkParameters(entry.type, entry.parameters, i, doc, allow, out);
      return;
    }
    // Naming a field accepts the middleware built from it, whichever of its fields was named.
    const fields = sources(entry.type, entry.parameters) ?? [];
    if (allow.has('middleware_configs') || fields.some((f) => isUnenforced(f) && allow.has(f))) {
      out.warn(`middleware_configs/${i}: ${problem.message} (--allow-unenforced)`);
    } else {
      out.error(
        `/middleware_configs/${i}/type`,
        `${problem.message}; remove the entry, or pass --allow-unenforced ${problem.allowedBy}`,
      );
    }
  });
}
