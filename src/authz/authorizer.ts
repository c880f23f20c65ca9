// One Cedar decision in ToolHive's entity model (pkg/authz/authorizers/cedar: authorizeToolCall,
// authorizePromptGet, authorizeResourceRead; entity.go). For a request:
//   principal Client::"<sub>"   attrs claim_*, claimset_*; parents THVGroup::"<group>"
//   action    Action::"call_tool" | "get_prompt" | "read_resource"   attrs {operation}
//   resource  Tool::"<name>" | Prompt::"<name>" | Resource::"<uri>"
//             attrs name, operation, feature (+ uri), arg_* and, for tools, the annotation hints
//             (readOnlyHint, ...) of the last tools/list; parent MCP::"<server name>"
//   context   claim_*, claimset_*, arg_*
// plus the entities of entities_json (a request entity with the same uid replaces one from there,
// as ToolHive merges them). Only the attributes some policy can read are sent (attributeUse.ts).
//
// What a request sends is narrowed to the subset of policies that can apply to it (engine.ts,
// PolicySet.subset), and further:
// - a parent of the principal or of the resource is sent only when it can change an `in`: `X in B`
//   holds when B is X or one of its ancestors, and B (the right side of any `in` a policy
//   evaluates) is always an entity the policies name or a request variable (principal, action,
//   resource) — request attributes never hold entity references, and a read the analysis cannot
//   follow sends everything. So a parent whose ancestors (itself included) contain none of those
//   (no named entity, no entity of a request variable's type) changes no `in`;
// - the principal or resource entity is left out when no policy of the subset touches its data
//   and none of its parents is sent (an absent entity and an empty one decide alike);
// - policies whose principal scope cannot match the principal (`principal in G` for a G that is
//   not among its ancestors, `principal == E` for another E) are left out of its subsets
//   (engine.ts), unless one of its ancestors could be a request entity;
// - decisions are remembered per principal content (its uid, parents and the claims the policies
//   read), so a new token with the same relevant claims reuses them;
// - in a list, items whose requests differ only in the resource's id, when no policy, entity or
//   principal parent names that id, are decided by one engine call (Cedar's semantics do not
//   depend on the text of an entity id that nothing names, only on equality with other entities).

import type { AuthzParams } from './config.js';
import type { CedarEntity, CedarRequest, Decision, EntityUid, IndexedPrincipal, Subset } from './engine.js';
import type { CedarPrincipal } from './principal.js';
import { cedarRecord, type CedarJson } from './values.js';
import { mergeUses, pick, type AttributeUse } from './attributeUse.js';

export type Feature = 'tool' | 'prompt' | 'resource';

/** A tool's annotation hints from the upstream's own tools/list (never from the client). */
export type ToolHints = Readonly<Partial<Record<'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint', boolean>>>;

const ACTIONS: Record<Feature, { uid: EntityUid; entity: CedarEntity; resourceType: string; operation: string; action: string }> = {
  tool: action('call_tool', 'Tool', 'call'),
  prompt: action('get_prompt', 'Prompt', 'get'),
  resource: action('read_resource', 'Resource', 'read'),
};

function action(id: string, resourceType: string, operation: string) {
  const uid = { type: 'Action', id };
  return { uid, entity: { uid, attrs: { operation: id }, parents: [] }, resourceType, operation, action: `Action::"${id}"` };
}

/** The types of the request variables' entities: an `in` can compare with any entity of these. */
const REQUEST_TYPES: ReadonlySet<string> = new Set(['Client', 'Action', 'Tool', 'Prompt', 'Resource']);

function key(uid: EntityUid): string {
  return `${uid.type}\u0000${uid.id}`;
}

function typeOfKey(k: string): string {
  return k.slice(0, k.indexOf('\u0000'));
}

function sameUid(a: EntityUid, b: EntityUid): boolean {
  return a.type === b.type && a.id === b.id;
}

/**
 * Decisions remembered per principal (those whose arguments no policy reads, as list items; and
 * those with arguments, fewer: they repeat less, and a large map of them costs more garbage
 * collection than it saves), in all, and the longest keys remembered.
 */
const MAX_REMEMBERED = 4096;
const MAX_REMEMBERED_WITH_ARGUMENTS = 256;
const MAX_REMEMBERED_TOTAL = 32768;
const MAX_KEY = 1024;
const MAX_PRINCIPAL_KEY = 4096;
/**
 * Characters of the keys remembered, in all (principal keys included): the count alone let 32 768
 * long keys of principals whose claims fill 4 KiB hold ~160 MB; this holds them to ~8 MB of keys.
 */
const MAX_REMEMBERED_CHARS = 4 * 1024 * 1024;

interface Inputs {
  readonly attrs: Record<string, unknown>;
  readonly args: Record<string, unknown>;
}

/** How requests decided by one subset of the policies are built. */
interface Plan {
  readonly subset: Subset;
  readonly use: AttributeUse;
  /** Some policy of the subset reads what the analysis cannot follow: everything is sent. */
  readonly full: boolean;
  /** The resource's parent (the server) when it can matter, else none. */
  readonly serverParent: readonly EntityUid[];
  /** Per entity key: whether, as a parent, it can change an `in` (see the top of this file). */
  readonly relevant: Map<string, boolean>;
}

/** The principal's part of the requests of one plan. */
interface Narrowed {
  /** null: not sent (nothing reads it, no parent matters). */
  readonly entity: CedarEntity | null;
  readonly claims: { readonly [k: string]: CedarJson };
  /** entities_json entities to send; null: all of them (#entities). */
  readonly configured: readonly CedarEntity[] | null;
}

interface Remembered {
  readonly exact: Map<string, AuthzDecision>;
  readonly withArgs: Map<string, AuthzDecision>;
  /** List decisions shared by resources nothing names (allowed or not). */
  readonly classes: Map<string, boolean>;
  /** Characters of its keys and of the principal key it is remembered under (the byte bound). */
  chars: number;
  evicted: boolean;
}

interface PrincipalState {
  /** What the principal sends to any plan; equal keys, equal requests. */
  readonly key: string;
  readonly parents: ReadonlySet<string>;
  /** For the policy index: uid and every entity reachable through parents; undefined: not used. */
  readonly indexed: IndexedPrincipal | undefined;
  /** Its plan per subset for any principal (PolicySet.baseKey). */
  readonly plans: Map<string, Plan>;
  /** Its part of the requests per plan. */
  readonly narrowed: Map<string, Narrowed>;
  remembered: Remembered | null;
}

interface Prepared {
  readonly feature: Feature;
  readonly uid: EntityUid;
  readonly plan: Plan;
  readonly inputs: Inputs;
  readonly state: PrincipalState;
  readonly remembered: Remembered;
  readonly attrsKey: string;
  readonly argsKey: string;
  readonly cacheKey: string;
}

export interface AuthzDecision extends Decision {
  /** `Tool::"search"`, for logs and dry-run. */
  readonly resource: string;
  readonly action: string;
}

let nextOpaque = 0;

export class Authorizer {
  readonly #params: AuthzParams;
  readonly #serverParent: readonly EntityUid[];
  readonly #configKeys: ReadonlySet<string>;
  readonly #byKey: ReadonlyMap<string, CedarEntity>;
  /** What all policies can read (the principal's remembered decisions are keyed on it). */
  readonly #use: AttributeUse;
  /** Every entity the policies or entities_json mention: a resource with one of these ids is decided alone. */
  readonly #mentioned: ReadonlySet<string>;
  /** Lists share decisions between resources nothing names (off when a policy could not be analysed). */
  readonly #classes: boolean;
  readonly #plans = new Map<string, Plan>();
  readonly #principals = new WeakMap<CedarPrincipal, PrincipalState>();
  /** Remembered decisions by principal key, oldest first. */
  readonly #remembered = new Map<string, Remembered>();
  #rememberedCount = 0;
  #rememberedChars = 0;

  constructor(params: AuthzParams, serverName: string) {
    this.#params = params;
    this.#serverParent = serverName === '' ? [] : [{ type: 'MCP', id: serverName }];
    this.#configKeys = new Set(params.entities.map((e) => key(e.uid)));
    this.#byKey = new Map(params.entities.map((e) => [key(e.uid), e]));
    this.#use = mergeUses(params.uses);
    const mentioned = new Set<string>(this.#use.literals);
    for (const e of params.entities) mentions(e, mentioned);
    this.#mentioned = mentioned;
    this.#classes = this.#use.known;
  }

  /** The keys of the entities_json entities reachable from `start` through parents (start included). */
  #closure(start: Iterable<string>): Set<string> {
    const seen = new Set<string>();
    const todo = [...start];
    while (todo.length > 0) {
      const k = todo.pop()!;
      if (seen.has(k)) continue;
      seen.add(k);
      for (const parent of this.#byKey.get(k)?.parents ?? []) todo.push(key(parent));
    }
    return seen;
  }

  #plan(s: PrincipalState, act: EntityUid, resource: EntityUid): Plan {
    const base = this.#params.policySet.baseKey(act, resource);
    let mine = s.plans.get(base);
    if (mine === undefined) {
      mine = this.#planFor(this.#params.policySet.subset(act, resource, s.indexed));
      s.plans.set(base, mine);
    }
    return mine;
  }

  #planFor(subset: Subset): Plan {
    let plan = this.#plans.get(subset.key);
    if (plan === undefined) {
      const use = mergeUses(subset.members.map((i) => this.#params.uses[i]!));
      const full = use.principal === null || use.resource === null;
      const relevant = new Map<string, boolean>();
      plan = { subset, use, full, serverParent: [], relevant };
      if (!full && this.#serverParent.length > 0 && this.#relevant(plan, key(this.#serverParent[0]!))) plan = { ...plan, serverParent: this.#serverParent };
      else if (full) plan = { ...plan, serverParent: this.#serverParent };
      this.#plans.set(subset.key, plan);
    }
    return plan;
  }

  /** Can this entity, as a parent, change an `in` of the plan's policies? */
  #relevant(plan: Plan, k: string): boolean {
    let r = plan.relevant.get(k);
    if (r === undefined) {
      r = false;
      for (const a of this.#closure([k])) {
        if (plan.use.literals.has(a) || REQUEST_TYPES.has(typeOfKey(a))) {
          r = true;
          break;
        }
      }
      plan.relevant.set(k, r);
    }
    return r;
  }

  #state(p: CedarPrincipal): PrincipalState {
    let s = this.#principals.get(p);
    if (s === undefined) {
      const use = this.#use;
      let k = `${p.uid.id}\u0000${JSON.stringify(p.entity.parents)}\u0000${JSON.stringify(pick(p.claims, use.principal))}\u0000${JSON.stringify(pick(p.claims, use.context))}`;
      if (k.length > MAX_PRINCIPAL_KEY) k = `\u0001${nextOpaque++}`;
      // The principal's ancestors as far as entities_json goes. When one could be a request
      // entity (a group typed like a tool), the request's own entities would extend them: the
      // index then does not use principal scopes for this principal.
      const parents = p.entity.parents.map(key);
      const ancestors = this.#closure(parents);
      const indexed = [...ancestors].some((a) => REQUEST_TYPES.has(typeOfKey(a))) ? undefined : { uid: p.uid, ancestors };
      s = { key: k, parents: new Set(parents), indexed, plans: new Map(), narrowed: new Map(), remembered: null };
      this.#principals.set(p, s);
    }
    return s;
  }

  #rememberedFor(s: PrincipalState): Remembered {
    const mine = s.remembered;
    if (mine !== null && !mine.evicted) return mine;
    let r = this.#remembered.get(s.key);
    if (r === undefined) {
      r = { exact: new Map(), withArgs: new Map(), classes: new Map(), chars: s.key.length, evicted: false };
      this.#remembered.set(s.key, r);
      this.#rememberedChars += r.chars;
    }
    s.remembered = r;
    return r;
  }

  #remember<V>(r: Remembered, map: Map<string, V>, k: string, v: V): void {
    if (map.size >= (map === r.withArgs ? MAX_REMEMBERED_WITH_ARGUMENTS : MAX_REMEMBERED)) {
      let chars = 0;
      for (const old of map.keys()) chars += old.length;
      this.#rememberedCount -= map.size;
      this.#rememberedChars -= chars;
      r.chars -= chars;
      map.clear();
    }
    map.set(k, v);
    r.chars += k.length;
    this.#rememberedChars += k.length;
    if (++this.#rememberedCount <= MAX_REMEMBERED_TOTAL && this.#rememberedChars <= MAX_REMEMBERED_CHARS) return;
    // Over a bound: forget the principals remembered first (never the one being served).
    for (const [pk, old] of this.#remembered) {
      if (this.#rememberedCount <= MAX_REMEMBERED_TOTAL && this.#rememberedChars <= MAX_REMEMBERED_CHARS) break;
      if (old === r) continue;
      this.#rememberedCount -= old.exact.size + old.withArgs.size + old.classes.size;
      this.#rememberedChars -= old.chars;
      old.exact.clear();
      old.withArgs.clear();
      old.classes.clear();
      old.evicted = true;
      this.#remembered.delete(pk);
    }
  }

  /** What is remembered now, for tests and dry-run: decisions and characters of keys. */
  get rememberedSize(): { readonly decisions: number; readonly chars: number } {
    return { decisions: this.#rememberedCount, chars: this.#rememberedChars };
  }

  /** The Cedar request for one operation (principal parts cached per principal object). */
  request(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints?: ToolHints): CedarRequest {
    const a = ACTIONS[feature];
    const uid = { type: a.resourceType, id: resourceId };
    const s = this.#state(p);
    const plan = this.#plan(s, a.uid, uid);
    return this.#request(p, s, plan, feature, uid, this.#inputs(plan, feature, resourceId, args, hints));
  }

  /**
   * One decision. Remembered per principal (by what it sends: uid, parents, the claims the
   * policies read), keyed by what is actually sent for the resource (the narrowed resource
   * attributes and arguments): for a given principal, policy set and entities the engine is
   * deterministic, so a list asked again, or a call with the same relevant arguments, costs a map
   * lookup. Bounded per principal and in all; keys over 1 KiB are not remembered.
   */
  decide(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints?: ToolHints): AuthzDecision {
    const q = this.#prepare(p, feature, resourceId, args, hints);
    const cacheable = q.cacheKey.length <= MAX_KEY;
    const map = q.argsKey === '{}' ? q.remembered.exact : q.remembered.withArgs;
    if (cacheable) {
      const hit = map.get(q.cacheKey);
      if (hit !== undefined) return hit;
    }
    const out = this.#decide(p, q);
    if (cacheable) this.#remember(q.remembered, map, q.cacheKey, out);
    return out;
  }

  /**
   * Whether the principal may use a list item (its decision's `allowed`). Items whose requests
   * differ only in the id of a resource nothing names share one engine call.
   */
  allowed(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints?: ToolHints): boolean {
    const q = this.#prepare(p, feature, resourceId, args, hints);
    const r = q.remembered;
    const map = q.argsKey === '{}' ? r.exact : r.withArgs;
    const hit = map.get(q.cacheKey);
    if (hit !== undefined) return hit.allowed;
    const k = key(q.uid);
    const shared = this.#classes && !this.#mentioned.has(k) && !q.state.parents.has(k);
    const classKey = `${q.plan.subset.key}\u0000${q.attrsKey}\u0000${q.argsKey}`;
    const classCacheable = shared && classKey.length <= MAX_KEY;
    if (classCacheable) {
      const c = r.classes.get(classKey);
      if (c !== undefined) return c;
    }
    const out = this.#decide(p, q);
    if (q.cacheKey.length <= MAX_KEY) this.#remember(r, map, q.cacheKey, out);
    if (classCacheable) this.#remember(r, r.classes, classKey, out.allowed);
    return out.allowed;
  }

  /** What a decision needs: its plan, narrowed inputs, the principal's state, the keys it is remembered by. */
  #prepare(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints: ToolHints | undefined): Prepared {
    const uid = { type: ACTIONS[feature].resourceType, id: resourceId };
    const state = this.#state(p);
    const plan = this.#plan(state, ACTIONS[feature].uid, uid);
    const inputs = this.#inputs(plan, feature, resourceId, args, hints);
    const attrsKey = JSON.stringify(inputs.attrs);
    const argsKey = JSON.stringify(inputs.args);
    return { feature, uid, plan, inputs, state, remembered: this.#rememberedFor(state), attrsKey, argsKey, cacheKey: `${feature}\u0000${resourceId}\u0000${attrsKey}\u0000${argsKey}` };
  }

  #decide(p: CedarPrincipal, q: Prepared): AuthzDecision {
    const a = ACTIONS[q.feature];
    const resource = `${a.resourceType}::${JSON.stringify(q.uid.id)}`;
    // No policy can apply: Cedar's own answer for an empty set (default deny, nothing determining).
    if (q.plan.subset.id === null) return { allowed: false, policies: [], errors: [], resource, action: a.action };
    const d = this.#params.policySet.decide(this.#request(p, q.state, q.plan, q.feature, q.uid, q.inputs), q.plan.subset);
    return { allowed: d.allowed, policies: d.policies, errors: d.errors, resource, action: a.action };
  }

  /** The resource attributes and arguments that will be sent, narrowed, not yet converted. */
  #inputs(plan: Plan, feature: Feature, resourceId: string, args: Record<string, unknown>, hints: ToolHints | undefined): Inputs {
    const use = plan.use;
    const a = ACTIONS[feature];
    const narrowedArgs = pick(args, use.context);
    if (use.resource !== null && use.resource.size === 0) return { attrs: {}, args: narrowedArgs };
    const base: Record<string, unknown> =
      feature === 'resource' ? { name: resourceId, uri: resourceId, operation: a.operation, feature } : { name: resourceId, operation: a.operation, feature };
    // Tools: hints first, so name/operation/feature always win (ToolHive's merge order).
    if (use.resource === null) return { attrs: feature === 'tool' ? { ...hints, ...args, ...base } : { ...base, ...args }, args: narrowedArgs };
    const attrs: Record<string, unknown> = {};
    // The same as picking from the merge, without making it.
    const sources: readonly Readonly<Record<string, unknown>>[] = feature === 'tool' ? (hints === undefined ? [base, args] : [base, args, hints]) : [args, base];
    for (const n of use.resource) {
      for (const from of sources) {
        if (Object.hasOwn(from, n)) {
          attrs[n] = from[n];
          break;
        }
      }
    }
    return { attrs, args: narrowedArgs };
  }

  #request(p: CedarPrincipal, s: PrincipalState, plan: Plan, feature: Feature, uid: EntityUid, inputs: Inputs): CedarRequest {
    const a = ACTIONS[feature];
    const np = this.#narrow(p, s, plan);
    const context = Object.assign({}, np.claims, cedarRecord(inputs.args));
    const resource: CedarEntity = { uid, attrs: cedarRecord(inputs.attrs), parents: plan.serverParent };
    if (np.configured === null) return { principal: p.uid, action: a.uid, resource: uid, context, entities: this.#entities(np.entity!, a.entity, resource) };
    const entities: CedarEntity[] = [];
    if (np.entity !== null) entities.push(np.entity);
    // The action entity has no parents (ToolHive's): without it `action in ...` decides alike, so
    // it is sent only when some policy reads its attributes.
    if (plan.use.action) entities.push(a.entity);
    if (plan.use.resourceEntity || plan.serverParent.length > 0) entities.push(resource);
    for (const e of np.configured) if (!sameUid(e.uid, uid) && !sameUid(e.uid, a.uid)) entities.push(e);
    return { principal: p.uid, action: a.uid, resource: uid, context, entities };
  }

  #narrow(p: CedarPrincipal, s: PrincipalState, plan: Plan): Narrowed {
    let n = s.narrowed.get(plan.subset.key);
    if (n === undefined) {
      const use = plan.use;
      const claims = pick(p.claims, use.context);
      if (plan.full) {
        n = { entity: { uid: p.uid, attrs: pick(p.claims, use.principal), parents: p.entity.parents }, claims, configured: null };
      } else {
        const parents = p.entity.parents.filter((g) => this.#relevant(plan, key(g)));
        const entity = use.principalEntity || parents.length > 0 ? { uid: p.uid, attrs: pick(p.claims, use.principal), parents } : null;
        let configured: CedarEntity[] = [];
        if (this.#byKey.size > 0) {
          const keys = this.#closure([...parents.map(key), ...use.literals, ...plan.serverParent.map(key)]);
          keys.delete(key(p.uid));
          configured = [...keys].flatMap((k) => this.#byKey.get(k) ?? []);
        }
        n = { entity, claims, configured };
      }
      s.narrowed.set(plan.subset.key, n);
    }
    return n;
  }

  #entities(principal: CedarEntity, act: CedarEntity, resource: CedarEntity): CedarEntity[] {
    const configured = this.#params.entities;
    if (configured.length === 0) return [principal, act, resource];
    const keys = this.#configKeys;
    const mine = [principal, act, resource];
    if (!mine.some((e) => keys.has(key(e.uid)))) return [...mine, ...configured];
    const replaced = new Set(mine.map((e) => key(e.uid)));
    return [...mine, ...configured.filter((e) => !replaced.has(key(e.uid)))];
  }
}

/** Every entity uid written anywhere in an entities_json entity (uid, parents, attribute and tag values). */
function mentions(v: unknown, out: Set<string>): void {
  if (Array.isArray(v)) {
    for (const x of v) mentions(x, out);
    return;
  }
  if (typeof v !== 'object' || v === null) return;
  const o = v as Record<string, unknown>;
  if (typeof o.type === 'string' && typeof o.id === 'string') out.add(`${o.type}\u0000${o.id}`);
  for (const x of Object.values(o)) mentions(x, out);
}
