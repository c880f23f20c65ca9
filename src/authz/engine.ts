// The Cedar engine itself (@cedar-policy/cedar-wasm), never a re-implementation (SPEC §10).
// Loaded on first use with a synchronous require of the package's Node entry
// (`@cedar-policy/cedar-wasm/nodejs`, CommonJS, which compiles its WebAssembly module at require
// time): the package's default ESM entry imports the .wasm file as a module, which Node 20 does not
// support without a flag. A config without authorization never pays the ~40 ms compile.
//
// Policies are parsed once into the engine's own cache (preparsePolicySet); each decision then
// sends only the request, the context and the entities across the WebAssembly boundary.

import { createRequire } from 'node:module';

type CedarValue = unknown;
export interface EntityUid {
  readonly type: string;
  readonly id: string;
}
export interface CedarEntity {
  readonly uid: EntityUid;
  readonly attrs: Record<string, CedarValue>;
  readonly parents: readonly EntityUid[];
}

interface DetailedError {
  message: string;
  sourceLocations?: { start: number; end: number; label: string | null }[];
}
type CheckParseAnswer = { type: 'success' } | { type: 'failure'; errors: DetailedError[] };
type AuthorizationAnswer =
  | { type: 'failure'; errors: DetailedError[] }
  | { type: 'success'; response: { decision: 'allow' | 'deny'; diagnostics: { reason: string[]; errors: { policyId: string; error: DetailedError }[] } } };

interface CedarWasm {
  checkParsePolicySet(policies: { staticPolicies: Record<string, string> }): CheckParseAnswer;
  checkParseEntities(call: { entities: unknown }): CheckParseAnswer;
  preparsePolicySet(id: string, policies: { staticPolicies: Record<string, string> }): CheckParseAnswer;
  policyToJson(p: string): { type: 'success'; json: { principal: ScopeJson; action: ScopeJson; resource: ScopeJson } } | { type: 'failure' };
  statefulIsAuthorized(call: {
    principal: EntityUid;
    action: EntityUid;
    resource: EntityUid;
    context: Record<string, CedarValue>;
    preparsedPolicySetId: string;
    entities: readonly CedarEntity[];
  }): AuthorizationAnswer;
  getCedarVersion(): string;
}

interface ScopeJson {
  op: string;
  entity?: EntityUid;
  entities?: EntityUid[];
  entity_type?: string;
  in?: { entity?: EntityUid };
}

let wasm: CedarWasm | null = null;

function cedar(): CedarWasm {
  wasm ??= createRequire(import.meta.url)('@cedar-policy/cedar-wasm/nodejs') as CedarWasm;
  return wasm;
}

export function cedarVersion(): string {
  return cedar().getCedarVersion();
}

function describe(errors: readonly DetailedError[]): string {
  return errors
    .map((e) => {
      const at = e.sourceLocations?.[0];
      const where = at ? ` (at character ${at.start}${at.label ? `: ${at.label}` : ''})` : '';
      return `${e.message}${where}`;
    })
    .join('; ');
}

/** Why one policy does not parse, or undefined when it does. */
export function policyProblem(text: string): string | undefined {
  const answer = cedar().checkParsePolicySet({ staticPolicies: { policy: text } });
  return answer.type === 'success' ? undefined : describe(answer.errors).replace('failed to parse policy with id `policy` from string: ', '');
}

/** Why a Cedar entities document does not parse, or undefined when it does. */
export function entitiesProblem(entities: unknown): string | undefined {
  const answer = cedar().checkParseEntities({ entities });
  return answer.type === 'success' ? undefined : describe(answer.errors);
}

export interface Decision {
  /** Cedar said allow and no policy failed to evaluate (ToolHive denies on any evaluation error). */
  readonly allowed: boolean;
  /** Cedar's determining policies (`policy0` is the first entry of `policies`). */
  readonly policies: readonly string[];
  /** Policies that failed to evaluate, with why. */
  readonly errors: readonly string[];
}

export interface CedarRequest {
  readonly principal: EntityUid;
  readonly action: EntityUid;
  readonly resource: EntityUid;
  readonly context: Record<string, CedarValue>;
  readonly entities: readonly CedarEntity[];
}

let nextSetId = 0;

/** What a policy's scope says about the action and the resource (the parts an index can use). */
interface Scope {
  /** Action ids the policy can apply to; null: any. */
  readonly actions: ReadonlySet<string> | null;
  /** `resource == E`: only E. */
  readonly resourceEq: string | null;
  /** `resource is T`: only type T. */
  readonly resourceType: string | null;
  /** The principal scope when it constrains: `==` E, `in` E, `is` T (and `in` E). null: any principal. */
  readonly principal: { readonly eq: string | null; readonly in: string | null; readonly type: string | null } | null;
}

const ANY: Scope = { actions: null, resourceEq: null, resourceType: null, principal: null };

function uidKey(uid: EntityUid): string {
  return `${uid.type}\u0000${uid.id}`;
}

function principalScope(p: ScopeJson | undefined): Scope['principal'] {
  if (p === undefined) return null;
  if (p.op === '==' && p.entity) return { eq: uidKey(p.entity), in: null, type: null };
  if (p.op === 'in' && p.entity) return { eq: null, in: uidKey(p.entity), type: null };
  if (p.op === 'is' && typeof p.entity_type === 'string') return { eq: null, in: p.in?.entity ? uidKey(p.in.entity) : null, type: p.entity_type };
  return null;
}

function scopeOf(text: string): Scope {
  const answer = cedar().policyToJson(text);
  if (answer.type !== 'success') return ANY;
  const { action, resource } = answer.json;
  // The request's action entity has no parents (ToolHive's), so `action in A` holds only for A itself.
  const ids = (list: EntityUid[]): Set<string> => new Set(list.filter((e) => e.type === 'Action').map((e) => e.id));
  let actions: Set<string> | null = null;
  if (action.op === '==' || (action.op === 'in' && action.entity)) actions = ids([action.entity!]);
  else if (action.op === 'in' && action.entities) actions = ids(action.entities);
  return {
    actions,
    resourceEq: resource.op === '==' && resource.entity ? uidKey(resource.entity) : null,
    resourceType: resource.op === 'is' && resource.entity_type ? resource.entity_type : null,
    principal: principalScope(answer.json.principal),
  };
}

/**
 * A principal as the index sees it: its uid and a superset of its ancestors in the request
 * (every entity reachable from it through parents). A policy whose principal scope cannot match
 * it is left out of its subsets.
 */
export interface IndexedPrincipal {
  readonly uid: EntityUid;
  readonly ancestors: ReadonlySet<string>;
}

/** Subsets narrowed by principal scope, at most (beyond that, the subset for any principal is used). */
const MAX_PRINCIPAL_SUBSETS = 64;

/**
 * One compiled policy set: ids `policy0`..`policyN-1` as ToolHive names them. Cedar evaluates
 * every policy of a set for each request, so the set is indexed by scope: a request is decided by
 * the subset whose principal, action and resource scope can match it (a policy whose scope does
 * not match is not satisfied and its conditions are never evaluated, so leaving it out changes no
 * decision and no error). Subsets are made on first use, one per action and resource type, plus
 * one per resource named by a `resource == ...` scope: a finite number, fixed by the config; and,
 * for a principal that some principal scopes cannot match, the same without those policies (at
 * most MAX_PRINCIPAL_SUBSETS of these).
 */
/** The policies a request can be decided by (see PolicySet). */
export interface Subset {
  /** The preparsed set's id; null: no policy can apply (default deny). */
  readonly id: string | null;
  /** Action id, resource type, and the resource id when a `resource == ...` scope names it. */
  readonly key: string;
  /** Indexes of the policies in it. */
  readonly members: readonly number[];
}

export class PolicySet {
  readonly #policies: readonly string[];
  readonly #scopes: readonly Scope[];
  readonly #named: ReadonlySet<string>;
  readonly #subsets = new Map<string, Subset>();
  #principalSubsets = 0;

  /** The policies must have passed policyProblem (compile did that). */
  constructor(policies: readonly string[], indexed = true) {
    this.#policies = policies;
    this.#scopes = policies.map((p) => (indexed ? scopeOf(p) : ANY));
    this.#named = new Set(this.#scopes.flatMap((s) => (s.resourceEq === null ? [] : [s.resourceEq])));
  }

  /** The key of the subset for any principal (see subset). */
  baseKey(action: EntityUid, resource: EntityUid): string {
    return this.named(resource) ? `${action.id}\u0000${resource.type}\u0000${resource.id}` : `${action.id}\u0000${resource.type}`;
  }

  #canMatch(i: number, who: IndexedPrincipal): boolean {
    const p = this.#scopes[i]!.principal;
    if (p === null) return true;
    const self = uidKey(who.uid);
    if (p.eq !== null && p.eq !== self) return false;
    if (p.type !== null && p.type !== who.uid.type) return false;
    if (p.in !== null && p.in !== self && !who.ancestors.has(p.in)) return false;
    return true;
  }

  /** Whether a `resource == ...` scope names this entity (it then has a subset of its own). */
  named(resource: EntityUid): boolean {
    return this.#named.size > 0 && this.#named.has(uidKey(resource));
  }

  /**
   * The subset that decides requests for this action and resource; with `who`, without the
   * policies whose principal scope cannot match that principal.
   */
  subset(action: EntityUid, resource: EntityUid, who?: IndexedPrincipal): Subset {
    const key = this.baseKey(action, resource);
    let base = this.#subsets.get(key);
    if (base === undefined) {
      const members: number[] = [];
      this.#scopes.forEach((s, i) => {
        if (s.actions !== null && !s.actions.has(action.id)) return;
        if (s.resourceType !== null && s.resourceType !== resource.type) return;
        if (s.resourceEq !== null && s.resourceEq !== uidKey(resource)) return;
        members.push(i);
      });
      base = this.#make(key, members);
    }
    if (who === undefined) return base;
    const members = base.members.filter((i) => this.#canMatch(i, who));
    if (members.length === base.members.length) return base;
    const narrowed = `${key}\u0000-${base.members.filter((i) => !members.includes(i)).join(',')}`;
    const known = this.#subsets.get(narrowed);
    if (known !== undefined) return known;
    if (this.#principalSubsets >= MAX_PRINCIPAL_SUBSETS) return base;
    this.#principalSubsets++;
    return this.#make(narrowed, members);
  }

  #make(key: string, members: number[]): Subset {
    let id: string | null = null;
    if (members.length > 0) {
      const staticPolicies: Record<string, string> = {};
      for (const i of members) staticPolicies[`policy${i}`] = this.#policies[i]!;
      id = `thv-policy-set-${nextSetId++}`;
      const answer = cedar().preparsePolicySet(id, { staticPolicies });
      if (answer.type !== 'success') throw new Error(`Cedar refused a policy set that parsed: ${describe(answer.errors)}`);
    }
    const subset = { id, key, members };
    this.#subsets.set(key, subset);
    return subset;
  }

  decide(req: CedarRequest, subset: Subset = this.subset(req.action, req.resource)): Decision {
    const id = subset.id;
    // No policy can apply: Cedar's own answer for an empty set (default deny, nothing determining).
    if (id === null) return { allowed: false, policies: [], errors: [] };
    const answer = cedar().statefulIsAuthorized({ ...req, preparsedPolicySetId: id });
    if (answer.type !== 'success') return { allowed: false, policies: [], errors: [describe(answer.errors)] };
    const { decision, diagnostics } = answer.response;
    const errors = diagnostics.errors.map((e) => `${e.policyId}: ${e.error.message}`);
    return { allowed: decision === 'allow' && errors.length === 0, policies: diagnostics.reason, errors };
  }
}
