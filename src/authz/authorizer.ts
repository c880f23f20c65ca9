// One Cedar decision in ToolHive's entity model (pkg/authz/authorizers/cedar: authorizeToolCall,
// authorizePromptGet, authorizeResourceRead; entity.go). For a request:
//   principal Client::"<sub>"   attrs claim_*, claimset_*; parents THVGroup::"<group>"
//   action    Action::"call_tool" | "get_prompt" | "read_resource"   attrs {operation}
//   resource  Tool::"<name>" | Prompt::"<name>" | Resource::"<uri>"
//             attrs name, operation, feature (+ uri), arg_* and, for tools, the annotation hints
//             (readOnlyHint, ...) of the last tools/list; parent MCP::"<server name>"
//   context   claim_*, claimset_*, arg_*
// plus the entities of entities_json (a request entity with the same uid replaces one from there,
// as ToolHive merges them).

import type { AuthzParams } from './config.js';
import type { CedarEntity, CedarRequest, Decision, EntityUid } from './engine.js';
import type { CedarPrincipal } from './principal.js';
import { cedarRecord } from './values.js';

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

export interface AuthzDecision extends Decision {
  /** `Tool::"search"`, for logs and dry-run. */
  readonly resource: string;
  readonly action: string;
}

export class Authorizer {
  readonly #params: AuthzParams;
  readonly #serverParent: readonly EntityUid[];
  readonly #configKeys: ReadonlySet<string>;

  constructor(params: AuthzParams, serverName: string) {
    this.#params = params;
    this.#serverParent = serverName === '' ? [] : [{ type: 'MCP', id: serverName }];
    this.#configKeys = new Set(params.entities.map((e) => key(e.uid)));
  }

  /** The Cedar request for one operation; built per call, nothing cached but the principal. */
  request(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints?: ToolHints): CedarRequest {
    const a = ACTIONS[feature];
    const uid = { type: a.resourceType, id: resourceId };
    const base: Record<string, unknown> =
      feature === 'resource' ? { name: resourceId, uri: resourceId, operation: a.operation, feature } : { name: resourceId, operation: a.operation, feature };
    // Tools: hints first, so name/operation/feature always win (ToolHive's merge order).
    const attrs = feature === 'tool' ? { ...hints, ...args, ...base } : { ...base, ...args };
    const resource: CedarEntity = { uid, attrs: cedarRecord(attrs), parents: this.#serverParent };
    const context = { ...p.claims, ...cedarRecord(args) };
    return { principal: p.uid, action: a.uid, resource: uid, context, entities: this.#entities(p.entity, a.entity, resource) };
  }

  decide(p: CedarPrincipal, feature: Feature, resourceId: string, args: Record<string, unknown>, hints?: ToolHints): AuthzDecision {
    const d = this.#params.policySet.decide(this.request(p, feature, resourceId, args, hints));
    return { ...d, resource: `${ACTIONS[feature].resourceType}::${JSON.stringify(resourceId)}`, action: `Action::"${ACTIONS[feature].uid.id}"` };
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
