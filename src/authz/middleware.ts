// The authorization stage (SPEC §10), after the webhooks: every MCP operation that names a tool,
// prompt or resource is judged by Cedar; list answers are filtered item by item; protocol methods
// pass; any other method is denied (default deny), as ToolHive's MCPMethodToFeatureOperation map
// decides (pkg/authz/middleware.go). A denial is 403 with JSON-RPC code 403 "Unauthorized".
//
// Decisions where ToolHive's code is the contract (docs/authorization.md repeats them):
// - any policy that fails to evaluate denies the request, even when another permits it;
// - list requests are not judged themselves: the answer keeps the tools the principal may call,
//   the prompts it may get, the resources it may read (resources/templates/list passes unfiltered);
// - GET and DELETE (streams, session end) pass; answers arriving on a GET stream are filtered by
//   their shape (stricter than ToolHive, which cannot filter the legacy SSE transport's answers);
// - a client's JSON-RPC response (to a server's sampling or elicitation request) passes: it names
//   no operation (ToolHive answers it 400, which breaks sampling).

import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import { isJsonObject, type JsonObject } from '../json.js';
import { listKindOf, type ListEdit, type ListKind } from '../mcp/listAnswer.js';
import { Authorizer, type AuthzDecision, type Feature, type ToolHints } from './authorizer.js';
import type { AuthzParams } from './config.js';
import { LocalUser, principalFor, type CedarPrincipal } from './principal.js';
import { argumentAttributes } from './values.js';

/** Protocol methods that name no tool, prompt or resource: always allowed (ToolHive's list). */
const ALWAYS_ALLOWED: ReadonlySet<string> = new Set([
  'initialize',
  'ping',
  'features/list',
  'roots/list',
  'server/discover',
  'subscriptions/listen',
  'logging/setLevel',
  'completion/complete',
  'resources/templates/list',
  'notifications/message',
  'notifications/initialized',
  'notifications/progress',
  'notifications/cancelled',
  'notifications/roots/list_changed',
  'notifications/tools/list_changed',
  'notifications/prompts/list_changed',
  'notifications/resources/list_changed',
  'notifications/resources/updated',
  'notifications/tasks/status',
]);

const OPERATIONS: ReadonlyMap<string, Feature> = new Map([
  ['tools/call', 'tool'],
  ['prompts/get', 'prompt'],
  ['resources/read', 'resource'],
  ['resources/subscribe', 'resource'],
  ['resources/unsubscribe', 'resource'],
]);

const NO_ARGS: Record<string, unknown> = Object.freeze({});

export interface AuthorizationStageParams {
  readonly authz: AuthzParams;
  readonly serverName: string;
  /** oidc_config is set: every request carries a principal; without one it is denied. */
  readonly authenticated: boolean;
}

function hintsOf(tool: JsonObject): ToolHints | undefined {
  const a = tool.annotations;
  if (!isJsonObject(a)) return undefined;
  let hints: Record<string, boolean> | undefined;
  for (const k of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint']) {
    if (typeof a[k] === 'boolean') (hints ??= {})[k] = a[k] as boolean;
  }
  return hints;
}

const FEATURE_OF_LIST: Record<ListKind, { feature: Feature; id: 'name' | 'uri' }> = {
  tools: { feature: 'tool', id: 'name' },
  prompts: { feature: 'prompt', id: 'name' },
  resources: { feature: 'resource', id: 'uri' },
};

/** Keeps the items of a list answer that the principal may use (one Cedar decision each). */
class CedarListEdit implements ListEdit {
  readonly #stage: AuthorizationStage;
  readonly #principal: CedarPrincipal;

  constructor(stage: AuthorizationStage, principal: CedarPrincipal) {
    this.#stage = stage;
    this.#principal = principal;
  }

  editList(kind: ListKind, result: JsonObject): boolean {
    const items = result[kind] as unknown[];
    const { feature, id } = FEATURE_OF_LIST[kind];
    if (kind === 'tools') this.#stage.rememberHints(items);
    const kept = items.filter((item) => {
      // An item that is not an object with a string id cannot be judged: it is dropped.
      if (!isJsonObject(item) || typeof item[id] !== 'string') return false;
      const hints = kind === 'tools' ? hintsOf(item) : undefined;
      return this.#stage.listed(this.#principal, feature, item[id] as string, hints);
    });
    if (kept.length === items.length) return false;
    result[kind] = kept;
    return true;
  }
}

export class AuthorizationStage implements Middleware {
  readonly name = 'authorization';
  readonly authorizer: Authorizer;
  readonly #params: AuthorizationStageParams;
  readonly #local: LocalUser | null;
  /** Annotation hints by real tool name, from the upstream's last tools/list (ToolHive's cache). */
  #hints: ReadonlyMap<string, ToolHints> = new Map();

  constructor(params: AuthorizationStageParams) {
    this.#params = params;
    this.authorizer = new Authorizer(params.authz, params.serverName);
    this.#local = params.authenticated ? null : new LocalUser(params.authz.claims);
  }

  /** May the principal use this list item (one decision, remembered or shared by the authorizer)? */
  listed(p: CedarPrincipal, feature: Feature, id: string, hints: ToolHints | undefined): boolean {
    return this.authorizer.allowed(p, feature, id, NO_ARGS, hints);
  }

  rememberHints(tools: readonly unknown[]): void {
    const next = new Map<string, ToolHints>();
    for (const t of tools) {
      if (!isJsonObject(t) || typeof t.name !== 'string') continue;
      const h = hintsOf(t);
      if (h !== undefined) next.set(t.name, h);
    }
    this.#hints = next;
  }

  #principal(ctx: RequestContext): CedarPrincipal | null {
    const p = ctx.principal;
    if (p !== undefined && p !== null) return principalFor(p, this.#params.authz.claims);
    return this.#local === null ? null : this.#local.principal();
  }

  handle(ctx: RequestContext): StageResult {
    const msg = ctx.mcp;
    if (ctx.httpMethod !== 'POST' || msg === null) {
      // A GET stream may carry list answers (resumed streams, the legacy SSE transport's answers).
      if (ctx.httpMethod === 'GET') return this.#filterAnswers(ctx, null);
      return undefined;
    }
    if (msg.kind === 'response') return this.#pass(ctx, 'a response to the server: names no operation');
    const method = msg.method!;
    if (ALWAYS_ALLOWED.has(method)) return this.#pass(ctx, `${method}: protocol method, always allowed`);
    const kind = listKindOf(method);
    if (kind !== null) return this.#filterAnswers(ctx, kind);
    const feature = OPERATIONS.get(method);
    if (feature === undefined) return this.#deny(ctx, `method ${JSON.stringify(method)} is not authorized by any policy (default deny)`);
    const principal = this.#principal(ctx);
    if (principal === null) return this.#deny(ctx, 'no principal: the request was not authenticated');
    const resourceId = msg.resourceId ?? '';
    const rawArgs = feature === 'tool' ? msg.arguments : feature === 'prompt' ? msg.params?.arguments : undefined;
    const args = argumentAttributes(rawArgs);
    const hints = feature === 'tool' ? this.#hints.get(resourceId) : undefined;
    const d = this.authorizer.decide(principal, feature, resourceId, args, hints);
    if (ctx.trace !== null) ctx.note = { summary: describe(d, principal), facts: { ...facts(d, principal), texts: d.policies.map((id) => this.#params.authz.policies[Number(id.slice(6))]) } };
    if (d.allowed) return undefined;
    return new Rejection('AUTHZ_DENIED', msg.id, { reason: `authorization: ${describe(d, principal)}` });
  }

  #filterAnswers(ctx: RequestContext, kind: ListKind | null): StageResult {
    const principal = this.#principal(ctx);
    if (principal === null) return this.#deny(ctx, 'no principal: the request was not authenticated');
    (ctx.listEdits ??= []).push(new CedarListEdit(this, principal));
    if (ctx.trace !== null) {
      const what = kind === null ? 'list answers on this stream' : `the ${kind} of the answer`;
      const action = kind === null ? 'call_tool/get_prompt/read_resource' : `${FEATURE_ACTION[FEATURE_OF_LIST[kind].feature]}`;
      ctx.note = { summary: `allowed; ${what} are filtered to what ${principalName(principal)} may use (one ${action} decision each)`, facts: { principal: principalName(principal), filtered: kind ?? 'by shape' } };
    }
    return undefined;
  }

  #pass(ctx: RequestContext, why: string): StageResult {
    if (ctx.trace !== null) ctx.note = { summary: `allowed: ${why}` };
    return undefined;
  }

  #deny(ctx: RequestContext, why: string): Rejection {
    if (ctx.trace !== null) ctx.note = { summary: `denied: ${why}`, facts: { decision: 'deny', reason: why } };
    return new Rejection('AUTHZ_DENIED', ctx.mcp?.id, { reason: `authorization: ${why}` });
  }
}

const FEATURE_ACTION: Record<Feature, string> = { tool: 'call_tool', prompt: 'get_prompt', resource: 'read_resource' };

function principalName(p: CedarPrincipal): string {
  return `Client::${JSON.stringify(p.uid.id)}`;
}

function describe(d: AuthzDecision, p: CedarPrincipal): string {
  const what = `${principalName(p)} ${d.action} on ${d.resource}`;
  if (d.errors.length > 0) return `denied: ${what}: ${d.errors.join('; ')} (a policy that fails to evaluate denies)`;
  if (d.allowed) return `allowed: ${what} by ${d.policies.join(', ')}`;
  if (d.policies.length > 0) return `denied: ${what} by ${d.policies.join(', ')} (forbid)`;
  return `denied: ${what}: no policy permits it (default deny)`;
}

function facts(d: AuthzDecision, p: CedarPrincipal): Record<string, unknown> {
  return { principal: principalName(p), groups: p.groups, action: d.action, resource: d.resource, decision: d.allowed ? 'allow' : 'deny', policies: d.policies, errors: d.errors };
}
