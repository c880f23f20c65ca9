// The tool filter (SPEC §10; ToolHive's tool-filter and tool-call-filter middlewares,
// pkg/mcp/tool_filter.go), right after the parser:
// - tools/list answers: an override renames a tool and/or replaces its description, then only
//   the tools whose (new) name is in tools_filter stay (all of them without a filter);
// - tools/call: a name outside the filter is answered as ToolHive does — HTTP 200 with the
//   JSON-RPC error -32602 "tool not found", the same as for a tool that does not exist (400 with
//   that body for a client that does not accept JSON) — without reaching the server; a new name
//   is mapped back to the real one in the request bytes, so the rate limiter's tool buckets, the
//   webhooks and Cedar (all later in the chain) see the real name, as in ToolHive.
// - A call by a tool's real name still works when that name passes the filter (ToolHive's map is
//   new name -> real name only).

import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import { isJsonObject, type JsonObject } from '../json.js';
import type { ListEdit, ListKind } from '../mcp/listAnswer.js';
import { parseMcpMessage } from '../mcp/parser.js';
import type { ToolFilterParams } from './config.js';
import { renameCalledTool } from './rename.js';

/** ToolHive's clientAcceptsJSON: no Accept, application/json, application/* or * / *. */
function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === '') return true;
  for (const entry of accept.split(',')) {
    const type = entry.split(';')[0]!.trim().toLowerCase();
    if (type === 'application/json' || type === 'application/*' || type === '*/*') return true;
  }
  return false;
}

class ToolListEdit implements ListEdit {
  readonly #p: ToolFilterParams;

  constructor(p: ToolFilterParams) {
    this.#p = p;
  }

  editList(kind: ListKind, result: JsonObject): boolean {
    if (kind !== 'tools') return false;
    const p = this.#p;
    const tools = result.tools as unknown[];
    const out: unknown[] = [];
    let changed = false;
    for (const tool of tools) {
      // ToolHive refuses to pass a list it cannot read (a tool without a name): the answer fails.
      if (!isJsonObject(tool) || typeof tool.name !== 'string' || tool.name === '') throw new Error('a tool without a name');
      const o = p.overrides.get(tool.name);
      let visible = tool;
      if (o !== undefined) {
        visible = { ...tool };
        if (o.name !== '') visible.name = o.name;
        if (o.description !== '') visible.description = o.description;
        changed = true;
      }
      if (p.visible.size > 0 && !p.visible.has(visible.name as string)) {
        changed = true;
        continue;
      }
      out.push(visible);
    }
    if (changed) result.tools = out;
    return changed;
  }
}

export class ToolFilterStage implements Middleware {
  readonly name = 'tool-filter';
  readonly #p: ToolFilterParams;
  readonly #edit: ToolListEdit;

  constructor(p: ToolFilterParams) {
    this.#p = p;
    this.#edit = new ToolListEdit(p);
  }

  handle(ctx: RequestContext): StageResult {
    const msg = ctx.mcp;
    if (ctx.httpMethod === 'GET' || (msg !== null && msg.method === 'tools/list')) {
      (ctx.listEdits ??= []).push(this.#edit);
      if (ctx.trace !== null) ctx.note = { summary: 'tools in list answers are renamed and filtered' };
      return undefined;
    }
    if (msg === null || msg.method !== 'tools/call') return undefined;
    const name = msg.params?.name;
    if (typeof name !== 'string' || name === '') {
      if (ctx.trace !== null) ctx.note = { summary: 'rejected: tools/call without a tool name' };
      return new Rejection('INVALID_REQUEST', msg.id, { reason: 'tool-filter: tools/call without a tool name' });
    }
    const p = this.#p;
    if (p.visible.size > 0 && !p.visible.has(name)) {
      if (ctx.trace !== null) ctx.note = { summary: `rejected: ${JSON.stringify(name)} is not in tools_filter (answered as an unknown tool)`, facts: { tool: name, filtered: true } };
      const kind = acceptsJson(ctx.headers.accept) ? 'TOOL_NOT_FOUND' : 'TOOL_NOT_FOUND_NOT_JSON';
      return new Rejection(kind, msg.id, { reason: `tool-filter: ${JSON.stringify(name)} is not in tools_filter` });
    }
    const real = p.realNames.get(name);
    if (real === undefined) {
      if (ctx.trace !== null) ctx.note = { summary: `${JSON.stringify(name)} passes` };
      return undefined;
    }
    const body = renameCalledTool(ctx.body!, real);
    const parsed = body === null ? null : parseMcpMessage(body);
    if (parsed === null || parsed instanceof Rejection) {
      return new Rejection('INTERNAL', msg.id, { reason: `tool-filter: could not map ${JSON.stringify(name)} back to ${JSON.stringify(real)}` });
    }
    ctx.body = body;
    ctx.mcp = parsed;
    if (ctx.trace !== null) ctx.note = { summary: `${JSON.stringify(name)} -> ${JSON.stringify(real)} (forwarded, rate-limited and judged as ${JSON.stringify(real)})`, facts: { tool: name, real } };
    return undefined;
  }
}
