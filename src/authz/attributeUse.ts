// Which attributes the policies can read, found once from Cedar's own JSON form of each policy
// (policyToJson). Only those are sent with each decision: crossing into the WebAssembly engine
// costs per value (a JWT's numeric claims are decimals, each an extension call), and ToolHive's
// model puts every claim on the principal and in the context. Leaving out what no policy can
// read does not change any decision: an attribute that is never accessed is never evaluated.
//
// Conservative by construction: an access the analysis cannot follow to `principal`, `resource`
// or `context` (an attribute of a literal entity, of an if-then-else) sends every attribute of
// the request entities and every entity of entities_json; `context` used other than through
// `.`/`has` sends the whole context. When every read is followed, no policy reads an attribute of
// an entities_json entity (request attributes never hold entity references), so of those only
// the ancestors `in` needs are sent: those of the principal's groups, of the server, and of the
// entities the policies name.

import { createRequire } from 'node:module';

/** Attribute names per variable; null: all of them. */
export interface AttributeUse {
  principal: Set<string> | null;
  resource: Set<string> | null;
  context: Set<string> | null;
  /** Some policy reads an attribute of the action (`action.operation`): only then is its entity sent. */
  action: boolean;
  /** Entities the policies name literally (`THVGroup::"eng"`), as `type\u0000id`. */
  literals: Set<string>;
}

type Json = unknown;

interface PolicyJsonApi {
  policyToJson(p: string): { type: 'success'; json: unknown } | { type: 'failure' };
}

function isObj(v: Json): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rootVar(e: Json): string | null {
  while (isObj(e)) {
    if (typeof e.Var === 'string') return e.Var;
    const acc = (e['.'] ?? e.has) as Record<string, Json> | undefined;
    if (!isObj(acc)) return null;
    e = acc.left;
  }
  return null;
}

function record(use: AttributeUse, v: 'principal' | 'resource' | 'context', name: string): void {
  use[v]?.add(name);
}

function walk(e: Json, use: AttributeUse): void {
  if (Array.isArray(e)) {
    for (const x of e) walk(x, use);
    return;
  }
  if (!isObj(e)) return;
  const acc = (e['.'] ?? e.has) as Record<string, Json> | undefined;
  if (isObj(acc) && ('.' in e || 'has' in e)) {
    const left = acc.left;
    const attr = Array.isArray(acc.attr) ? acc.attr[0] : acc.attr;
    if (isObj(left) && typeof left.Var === 'string') {
      if ((left.Var === 'principal' || left.Var === 'resource' || left.Var === 'context') && typeof attr === 'string') record(use, left.Var, attr);
      if (left.Var === 'action') use.action = true;
      return;
    }
    walk(left, use);
    // Attributes of an attribute's value: the whole value is sent. Any other root: all attributes.
    if (rootVar(left) === null) {
      use.principal = null;
      use.resource = null;
      use.action = true;
    }
    return;
  }
  if (typeof e.Var === 'string') {
    if (e.Var === 'context') use.context = null;
    return;
  }
  if (typeof e.type === 'string' && typeof e.id === 'string') {
    use.literals.add(`${e.type}\u0000${e.id}`);
    return;
  }
  if ('Value' in e) {
    literals(e.Value, use);
    return;
  }
  for (const k of Object.keys(e)) walk(e[k], use);
}

/** Entity references inside a literal value. */
function literals(v: Json, use: AttributeUse): void {
  if (Array.isArray(v)) for (const x of v) literals(x, use);
  else if (isObj(v)) {
    if (typeof v.type === 'string' && typeof v.id === 'string') use.literals.add(`${v.type}\u0000${v.id}`);
    else for (const k of Object.keys(v)) literals(v[k], use);
  }
}

/** The attributes `policies` (which all parse) can read. */
export function attributeUse(policies: readonly string[]): AttributeUse {
  const api = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as PolicyJsonApi;
  const use: AttributeUse = { principal: new Set(), resource: new Set(), context: new Set(), action: false, literals: new Set() };
  for (const p of policies) {
    const answer = api.policyToJson(p);
    if (answer.type !== 'success') return { principal: null, resource: null, context: null, action: true, literals: new Set() };
    walk(answer.json, use);
  }
  return use;
}

/** `all`'s entries named in `names` (all of them when names is null). */
export function pick<T>(all: { readonly [k: string]: T }, names: ReadonlySet<string> | null): { [k: string]: T } {
  if (names === null) return all as { [k: string]: T };
  const out: { [k: string]: T } = {};
  for (const n of names) if (Object.hasOwn(all, n)) out[n] = all[n]!;
  return out;
}
