// The parameters of `middleware_configs` entries that thv-proxy can read (middlewareConfigs.ts
// judges the entries by type). A ToolHive runner enforces these values, so thv-proxy must not be
// silently weaker than them (SPEC §2):
// - bodylimit's max_bytes is honoured: the stricter of it and max_body_bytes/--max-body applies;
// - a stage thv-proxy builds from a typed field is compared with the entry's copy of that field;
//   a copy that differs (or that thv-proxy cannot compare) is an error naming the parameter,
//   unless --allow-unenforced middleware_configs. An empty copy (Go's zero value) says nothing.
// Keys are matched as Go matches them (goJsonKey.ts).

import { Findings, isObject } from './findings.js';
import { goFoldKey } from './goJsonKey.js';
import { isSet } from './unenforced.js';

/** pkg/bodylimit: max_bytes <= 0 (or absent) means ToolHive's DefaultMaxRequestBodySize, 8 MiB (8 << 20). */
export const TOOLHIVE_BODY_LIMIT_DEFAULT = 8 * 1024 * 1024;

/** How an entry's parameter compares with the typed field: 'equal' (deep, Go keys) or 'subset'. */
interface Mirror {
  readonly field: string;
  readonly compare: 'equal' | 'visible-tools' | 'namespace';
}

const FILTER: Readonly<Record<string, Mirror>> = {
  filter_tools: { field: 'tools_filter', compare: 'visible-tools' },
  tools_override: { field: 'tools_override', compare: 'equal' },
};

/** Per type, the parameters that copy a typed field; others with a value cannot be compared. */
const MIRRORS: ReadonlyMap<string, Readonly<Record<string, Mirror | null>>> = new Map<string, Readonly<Record<string, Mirror | null>>>([
  ['tool-filter', FILTER],
  ['tool-call-filter', FILTER],
  ['auth', { oidc_config: { field: 'oidc_config', compare: 'equal' } }],
  // pkg/ratelimit MiddlewareParams. server_name is the RunConfig's name: identity, nothing
  // enforced. redis_addr / redis_db say where the buckets live, which thv-proxy takes from
  // scaling_config.session_redis (ToolHive's operator fills both from the same source).
  ['ratelimit', { config: { field: 'rate_limit_config', compare: 'equal' }, namespace: { field: 'rate_limit_namespace', compare: 'namespace' }, server_name: null, redis_addr: null, redis_db: null }],
  // pkg/webhook/*: FactoryMiddlewareParams adds server_name and transport (identity, nothing enforced).
  ['validating-webhook', { webhooks: { field: 'validating_webhooks', compare: 'equal' }, server_name: null, transport: null }],
  ['mutating-webhook', { webhooks: { field: 'mutating_webhooks', compare: 'equal' }, server_name: null, transport: null }],
  ['authorization', { config_data: { field: 'authz_config', compare: 'equal' }, config_path: { field: 'authz_config_path', compare: 'equal' } }],
]);

/** JSON equality with object keys folded as Go folds them, and object key order ignored. */
function goEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => goEqual(x, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const fold = (o: Record<string, unknown>) => new Map(Object.entries(o).map(([k, v]) => [goFoldKey(k), v]));
    const fa = fold(a);
    const fb = fold(b);
    return fa.size === fb.size && [...fa].every(([k, v]) => fb.has(k) && goEqual(v, fb.get(k)));
  }
  return a === b;
}

/** True when the value thv-proxy enforces is at least as strict as the entry's copy. */
function agrees(mirror: Mirror, copy: unknown, typed: unknown): boolean {
  if (mirror.compare === 'namespace') return copy === (isSet(typed) ? typed : 'default');
  if (mirror.compare === 'visible-tools') {
    // Every tool thv-proxy shows must be one ToolHive shows; an empty typed list shows all.
    if (!Array.isArray(copy)) return false;
    const shown = new Set(copy);
    return Array.isArray(typed) && typed.length > 0 && typed.every((name) => shown.has(name));
  }
  return goEqual(copy, typed);
}

/** One disagreement of an entry with the typed fields, or null. */
export function parameterDisagreement(type: string, parameters: unknown, doc: Record<string, unknown>): { key: string; message: string; remedy: string } | null {
  const mirrors = MIRRORS.get(type);
  if (mirrors === undefined || !isObject(parameters)) return null;
  const byFolded = new Map(Object.entries(mirrors).map(([name, m]) => [goFoldKey(name), { name, m }]));
  for (const [key, copy] of Object.entries(parameters)) {
    if (!isSet(copy) || (isObject(copy) && Object.keys(copy).length === 0)) continue; // Go's zero value
    const known = byFolded.get(goFoldKey(key));
    if (known === undefined) {
      const fields = [...new Set(Object.values(mirrors).flatMap((m) => (m ? [m.field] : [])))].join('/');
      return { key, message: `ToolHive middleware "${type}" has a parameter thv-proxy cannot compare with ${fields}, which it builds the stage from`, remedy: 'remove it' };
    }
    if (known.m === null || agrees(known.m, copy, doc[known.m.field])) continue;
    return {
      key,
      message: `ToolHive middleware "${type}" would apply this value, which is stricter than or differs from ${known.m.field} (thv-proxy builds the stage from ${known.m.field} only)`,
      remedy: 'make them agree',
    };
  }
  return null;
}

/** max_bytes of one bodylimit entry as ToolHive reads it, or undefined after reporting why not. */
function maxBytes(parameters: unknown, pointer: string, out: Findings): number | undefined {
  let value: unknown;
  let key = 'max_bytes';
  if (isObject(parameters)) {
    for (const [k, v] of Object.entries(parameters)) if (goFoldKey(k) === goFoldKey('max_bytes')) [key, value] = [k, v];
  }
  if (value === undefined || value === null) return TOOLHIVE_BODY_LIMIT_DEFAULT;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    out.error(`${pointer}/parameters/${key}`, `must be an integer (bytes), as ToolHive reads it; got ${JSON.stringify(value)}`);
    return undefined;
  }
  return value <= 0 ? TOOLHIVE_BODY_LIMIT_DEFAULT : value;
}

/**
 * The body limit the bodylimit entries impose (the smallest; undefined without one). `own` is
 * the limit set by max_body_bytes or --max-body, if any: a stricter entry is said in a warning.
 */
export function middlewareBodyLimit(doc: unknown, own: number | undefined, out: Findings): number | undefined {
  if (!isObject(doc) || !Array.isArray(doc.middleware_configs)) return undefined;
  let limit: number | undefined;
  doc.middleware_configs.forEach((entry: unknown, i) => {
    if (!isObject(entry) || entry.type !== 'bodylimit') return;
    const bytes = maxBytes(entry.parameters, `/middleware_configs/${i}`, out);
    if (bytes === undefined) return;
    if (own !== undefined && bytes < own && (limit === undefined || bytes < limit)) {
      out.warn(`middleware_configs/${i}: bodylimit max_bytes ${bytes} is stricter than max_body_bytes (${own}): the body limit is ${bytes} bytes`);
    }
    limit = limit === undefined ? bytes : Math.min(limit, bytes);
  });
  return limit;
}
