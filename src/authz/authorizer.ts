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

import type { AuthzParams } from './config.js';
import type { CedarEntity, CedarRequest, Decision, EntityUid } from './engine.js';
import type { CedarPrincipal } from './principal.js';
import { cedarRecord, type CedarJson } from './values.js';
import { pick } from './attributeUse.js';

export type Feature = 'tool' | 'prompt' | 'resource';

/** A tool's annotation hints from the upstream's own tools/list (never from the client). */
export type ToolHints = Readonly<Partial<Record<'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint', boolean>>>;

const ACTIONS: Record<Feature, { uid: EntityUid; entity: CedarEntity; resourceType: string; operation: string }> = {
  tool: action('call_tool', 'Tool', 'call'),
  prompt: action('get_prompt', 'Prompt', 'get'),
  resource: action('read_resource', 'Resource', 'read'),
};

function action(id: string, resourceType: string, operation: string) {
  const uid = { type: 'Action', id };
  return { uid, entity: { uid, attrs: { operation: id }, parents: [] }, resourceType, operation };
}

function key(uid: EntityUid): string {
  return `${uid.type}\u0000${uid.id}`;
}

function sameUid(a: EntityUid, b: EntityUid): boolean {
  return a.type === b.type && a.id === b.id;
}

/** Decisions remembered per principal, and the longest key remembered. */
const MAX_REMEMBERED = 4096;
const MAX_KEY = 1024;

interface Inputs {
  readonly attrs: Record<string, unknown>;
  readonly args: Record<string, unknown>;
}

interface Narrowed {
  readonly entity: CedarEntity;
  readonly claims: { readonly [k: string]: CedarJson };
  /** entities_json entities a decision for this principal needs; null: all of them (#entities). */
  readonly configured: readonly CedarEntity[] | null;
}

export interface AuthzDecision extends Decision {
  /** `Tool::"search"`, for logs and dry-run. */
  readonly resource: string;
  readonly action: string;
}

export class Authorizer {
  readonly #params: AuthzParams;
  readonly #serverParent: readonly EntityUid[];
  readonly #configKeys: ReadonlySet<string>;
  /** Per principal: its entity and context claims narrowed to what the policies read, and the entities_json entities a decision needs. */
  readonly #narrowed = new WeakMap<CedarPrincipal, Narrowed>();
  readonly #byKey: ReadonlyMap<string, CedarEntity>;
  /** Ancestors of the server entity and of the policies' literal entities (null: send every entity). */
  readonly #staticClosure: ReadonlySet<string> | null;
  readonly #decisions = new WeakMap<CedarPrincipal, Map<string, AuthzDecision>>();

  constructor(params: AuthzParams, serverName: string) {
    this.#params = params;
    this.#serverParent = serverName === '' ? [] : [{ type: 'MCP', id: serverName }];
    this.#configKeys = new Set(params.entities.map((e) => key(e.uid)));
    this.#byKey = new Map(params.entities.map((e) => [key(e.uid), e]));
    const narrowable = params.use.principal !== null && params.use.resource !== null;
    this.#staticClosure = narrowable ? this.#closure([...this.#serverParent.map(key), ...params.use.literals]) : null;
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

  /** The Cedar request for one operation (principal parts cached per principal object). */
  request(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints?: ToolHints): CedarRequest {
    return this.#request(p, feature, resourceId, this.#inputs(feature, resourceId, args, hints));
  }

  /**
   * One decision. Remembered per principal object, keyed by what is actually sent (the narrowed
   * resource attributes and arguments): for a given principal, policy set and entities the engine
   * is deterministic, so a list asked again, or a call with the same relevant arguments, costs a
   * map lookup. Bounded per principal; keys over 1 KiB are not remembered.
   */
  decide(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints?: ToolHints): AuthzDecision {
    const inputs = this.#inputs(feature, resourceId, args, hints);
    const cacheKey = `${feature}\u0000${resourceId}\u0000${JSON.stringify(inputs.attrs)}\u0000${JSON.stringify(inputs.args)}`;
    const cacheable = cacheKey.length <= MAX_KEY;
    let seen = this.#decisions.get(p);
    if (cacheable) {
      const hit = seen?.get(cacheKey);
      if (hit !== undefined) return hit;
    }
    const d = this.#params.policySet.decide(this.#request(p, feature, resourceId, inputs));
    const out: AuthzDecision = { ...d, resource: `${ACTIONS[feature].resourceType}::${JSON.stringify(resourceId)}`, action: `Action::"${ACTIONS[feature].uid.id}"` };
    if (cacheable) {
      if (seen === undefined) this.#decisions.set(p, (seen = new Map()));
      if (seen.size >= MAX_REMEMBERED) seen.clear();
      seen.set(cacheKey, out);
    }
    return out;
  }

  /** The resource attributes and arguments that will be sent, narrowed, not yet converted. */
  #inputs(feature: Feature, resourceId: string, args: Record<string, unknown>, hints: ToolHints | undefined): Inputs {
    const a = ACTIONS[feature];
    const base: Record<string, unknown> =
      feature === 'resource' ? { name: resourceId, uri: resourceId, operation: a.operation, feature } : { name: resourceId, operation: a.operation, feature };
    // Tools: hints first, so name/operation/feature always win (ToolHive's merge order).
    const attrs = feature === 'tool' ? { ...hints, ...args, ...base } : { ...base, ...args };
    const use = this.#params.use;
    return { attrs: pick(attrs, use.resource), args: pick(args, use.context) };
  }

  #request(p: CedarPrincipal, feature: Feature, resourceId: string, inputs: Inputs): CedarRequest {
    const a = ACTIONS[feature];
    const uid = { type: a.resourceType, id: resourceId };
    const resource: CedarEntity = { uid, attrs: cedarRecord(inputs.attrs), parents: this.#serverParent };
    const np = this.#narrow(p);
    const context = { ...np.claims, ...cedarRecord(inputs.args) };
    // The action entity has no parents (ToolHive's): without it `action in ...` decides alike, so
    // it is sent only when some policy reads its attributes.
    const entities =
      np.configured === null
        ? this.#entities(np.entity, a.entity, resource)
        : [np.entity, ...(this.#params.use.action ? [a.entity] : []), resource, ...np.configured.filter((e) => !sameUid(e.uid, uid) && !sameUid(e.uid, a.uid))];
    return { principal: p.uid, action: a.uid, resource: uid, context, entities };
  }

  #narrow(p: CedarPrincipal): Narrowed {
    let n = this.#narrowed.get(p);
    if (n === undefined) {
      const use = this.#params.use;
      const stat = this.#staticClosure;
      let configured: CedarEntity[] | null = null;
      if (stat !== null) {
        const keys = this.#closure([...p.entity.parents.map(key), ...stat]);
        keys.delete(key(p.uid));
        configured = [...keys].flatMap((k) => this.#byKey.get(k) ?? []);
      }
      n = { entity: { uid: p.uid, attrs: pick(p.claims, use.principal), parents: p.entity.parents }, claims: pick(p.claims, use.context), configured };
      this.#narrowed.set(p, n);
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
