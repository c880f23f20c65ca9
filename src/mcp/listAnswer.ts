// List answers (tools/list, prompts/list, resources/list) as stages may edit them on their way to
// the client: Cedar removes what the principal may not use, the tool filter hides and renames
// tools. A stage that wants to edit the answer to the current request pushes a ListEdit on
// `ctx.listEdits`; the terminal (HTTP proxy: JSON answers and SSE events; stdio bridge: the
// answer line) runs editListAnswer on each message from the upstream. Edits run innermost first
// (the last stage pushed edits first), as ToolHive's wrapped response writers do: Cedar judges
// the real tool names, then the tool filter renames them.
//
// Fail closed: a frame that carries a `result` but is no clean response (a batch, a request or
// notification with a result, result and error together) could smuggle an unfiltered list past
// a client's parser (ToolHive #5257); it is replaced by a JSON-RPC error, never passed through.

import type { JsonRpcId } from '../errors.js';
import { isJsonObject, type JsonObject } from '../json.js';

export type ListKind = 'tools' | 'prompts' | 'resources';

export interface ListEdit {
  /**
   * Edit `result` (whose `result[kind]` is an array) in place; true when anything changed. Throws
   * when the list cannot be edited safely (a tool without a name for the tool filter): the answer
   * is then replaced by an error.
   */
  editList(kind: ListKind, result: JsonObject): boolean;
}

const KIND_BY_METHOD: ReadonlyMap<string, ListKind> = new Map([
  ['tools/list', 'tools'],
  ['prompts/list', 'prompts'],
  ['resources/list', 'resources'],
]);

/** The list a method answers with, or null. */
export function listKindOf(method: string | undefined): ListKind | null {
  return method === undefined ? null : (KIND_BY_METHOD.get(method) ?? null);
}

/** On streams whose requests are unknown (GET, legacy SSE): the kind a result's shape says. */
function sniff(result: JsonObject): ListKind | null {
  if (Array.isArray(result.tools)) return 'tools';
  if (Array.isArray(result.prompts)) return 'prompts';
  if (Array.isArray(result.resources)) return 'resources';
  return null;
}

/** ToolHive's answer when a list cannot be filtered (pkg/authz/response_filter.go). */
export function listFailureBody(id: JsonRpcId): string {
  const idPart = id === undefined || id === null ? '' : `"id":${JSON.stringify(id)},`;
  return `{"jsonrpc":"2.0",${idPart}"error":{"code":-32603,"message":"internal error"}}`;
}

export type EditOutcome = { readonly text: string; readonly failed: boolean } | null;

function carriesResult(v: unknown): boolean {
  return isJsonObject(v) && 'result' in v;
}

/**
 * One message from the upstream, as text. null: pass it on unchanged (not a list answer, nothing
 * to change, or not JSON — which no client can read either). `kind` null: find it by shape.
 */
export function editListAnswer(text: string, edits: readonly ListEdit[], kind: ListKind | null, requestId: JsonRpcId): EditOutcome {
  let msg: unknown;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  const fail = (id: JsonRpcId): EditOutcome => ({ text: listFailureBody(id), failed: true });
  if (Array.isArray(msg)) return msg.some(carriesResult) ? fail(requestId) : null;
  if (!isJsonObject(msg) || !('result' in msg)) return null;
  const id = typeof msg.id === 'string' || typeof msg.id === 'number' ? msg.id : requestId;
  if ('method' in msg) return fail(id);
  const result = msg.result;
  if ('error' in msg && result !== null) return fail(id);
  if (!isJsonObject(result)) return null;
  const k = kind ?? sniff(result);
  if (k === null || !Array.isArray(result[k])) return null;
  let changed = false;
  try {
    for (let i = edits.length - 1; i >= 0; i--) changed = edits[i]!.editList(k, result) || changed;
  } catch {
    return fail(id);
  }
  return changed ? { text: JSON.stringify(msg), failed: false } : null;
}
