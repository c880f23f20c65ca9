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
//
// The analysis is made per policy (policyUse) so that a request, decided by the subset of
// policies whose scope can match it (engine.ts), sends only what that subset reads (mergeUses).

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
  /**
   * Some policy accesses the principal's (resource's) entity data: `.`, `has`, `getTag`,
   * `hasTag`. When none does and none of its parents matter, the entity need not be sent at all
   * (an absent entity and one without attributes and parents differ only in the text of the
   * error a `.` access raises, and there is no such access).
   */
  principalEntity: boolean;
  resourceEntity: boolean;
  /** false: the policy could not be analysed, `literals` may miss some. */
  known: boolean;
}

/** Everything: what a policy the analysis cannot follow needs. */
export function everything(): AttributeUse {
  return { principal: null, resource: null, context: null, action: true, literals: new Set(), principalEntity: true, resourceEntity: true, known: false };
}

function unfollowable(use: AttributeUse): void {
  use.principal = null;
  use.resource = null;
  use.action = true;
  use.principalEntity = true;
  use.resourceEntity = true;
}

function touch(use: AttributeUse, v: string): void {
  if (v === 'principal') use.principalEntity = true;
  else if (v === 'resource') use.resourceEntity = true;
  else if (v === 'action') use.action = true;
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
      touch(use, left.Var);
      return;
    }
    walk(left, use);
    // Attributes of an attribute's value: the whole value is sent. Any other root: all attributes.
    if (rootVar(left) === null) unfollowable(use);
    return;
  }
  // Tags: the request entities have none; a tag of any other entity (a literal's, whose value
  // may be an entity reference) is a read the analysis does not follow.
  const tag = (e.getTag ?? e.hasTag) as Record<string, Json> | undefined;
  if (isObj(tag) && ('getTag' in e || 'hasTag' in e)) {
    const left = tag.left;
    if (isObj(left) && typeof left.Var === 'string') touch(use, left.Var);
    else unfollowable(use);
    walk(left, use);
    walk(tag.right, use);
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

function nothing(): AttributeUse {
  return { principal: new Set(), resource: new Set(), context: new Set(), action: false, literals: new Set(), principalEntity: false, resourceEntity: false, known: true };
}

/** What one policy (which parses) can read. */
export function policyUse(policy: string): AttributeUse {
  const api = createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as PolicyJsonApi;
  const answer = api.policyToJson(policy);
  if (answer.type !== 'success') return everything();
  const use = nothing();
  walk(answer.json, use);
  return use;
}

/** What any of `uses` can read. */
export function mergeUses(uses: readonly AttributeUse[]): AttributeUse {
  const out = nothing();
  const union = (a: Set<string> | null, b: Set<string> | null): Set<string> | null => (a === null || b === null ? null : (b.forEach((x) => a.add(x)), a));
  for (const u of uses) {
    out.principal = union(out.principal, u.principal);
    out.resource = union(out.resource, u.resource);
    out.context = union(out.context, u.context);
    out.action ||= u.action;
    out.principalEntity ||= u.principalEntity;
    out.resourceEntity ||= u.resourceEntity;
    out.known &&= u.known;
    u.literals.forEach((l) => out.literals.add(l));
  }
  return out;
}

/** The attributes `policies` (which all parse) can read. */
export function attributeUse(policies: readonly string[]): AttributeUse {
  return mergeUses(policies.map(policyUse));
}

/** `all`'s entries named in `names` (all of them when names is null). */
export function pick<T>(all: { readonly [k: string]: T }, names: ReadonlySet<string> | null): { [k: string]: T } {
  if (names === null) return all as { [k: string]: T };
  const out: { [k: string]: T } = {};
  for (const n of names) if (Object.hasOwn(all, n)) out[n] = all[n]!;
  return out;
}
