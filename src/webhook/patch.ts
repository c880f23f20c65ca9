// What a mutating webhook's allow answer does to the request (SPEC §11), apart from any I/O so it
// can be tested as a table. ToolHive's rules (pkg/webhook/mutating), in its order:
// - no patch (`patch_type` empty or absent; `patch` absent, null or []) leaves the request alone:
//   the original bytes go on, nothing is parsed or serialised;
// - `patch_type` other than "json_patch" is unsupported; a `patch` that is not an array of
//   operation objects is malformed; an op outside RFC 6902's six, an empty path, copy/move
//   without `from` are invalid; a path (or copy/move `from`) outside `/mcp_request/...` is out of
//   scope — the root `/mcp_request` itself too, so a webhook changes parts, never the whole;
// - stricter than ToolHive: an op that writes `/mcp_request/jsonrpc`, `/id` or `/method` (or moves
//   them away) is refused: rate limiting already charged the request as that method, and the
//   client matches the answer by that id. `test` and copy's `from` only read, and may name them;
// - the ops are applied in order to `{"mcp_request": <request>}` (fast-json-patch, all or
//   nothing: the document is discarded when an op fails), then the request is serialised again,
//   bounded, and parsed by the MCP parser's own function, so later stages get a real McpMessage.
//   Its names are compared as Go folds them inside params too (FoldScope 'params', as the parser
//   stage does in every chain with a mutating webhook): validating webhooks and Cedar judge the
//   result, and a patch that adds "PATH" beside "path" would have them judge another argument
//   than a Go server executes.

import jsonPatch, { type Operation } from 'fast-json-patch';
import { Rejection, type RejectionKind } from '../errors.js';
import { isJsonObject } from '../json.js';
import { parseMcpMessage } from '../mcp/parser.js';
import type { McpMessage } from '../mcp/types.js';
import { inexactNumber } from './exactNumbers.js';

export const PATCH_TYPE_JSON_PATCH = 'json_patch';
const SCOPE_PREFIX = '/mcp_request/';
const OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'copy', 'move', 'test']);
/** The members the request was judged and charged by (rate limit, log, the client's id). */
const PROTECTED = ['jsonrpc', 'id', 'method'].map((m) => `${SCOPE_PREFIX}${m}`);

/** An applied operation as logs and dry-run show it: never its value. */
export interface PatchOpSummary {
  readonly op: string;
  readonly path: string;
  readonly from?: string;
}

export type PatchResult =
  /** Nothing to apply, or only `test` ops that held: the request and its bytes are unchanged. */
  | { readonly outcome: 'unchanged'; readonly ops: readonly PatchOpSummary[] }
  | { readonly outcome: 'patched'; readonly body: Buffer; readonly mcp: McpMessage; readonly ops: readonly PatchOpSummary[] }
  /** `kind`: the rejection under failure_policy fail; `detail`: why, for logs. */
  | { readonly outcome: 'failed'; readonly kind: RejectionKind; readonly detail: string };

const NO_PATCH: PatchResult = Object.freeze({ outcome: 'unchanged', ops: Object.freeze([]) });

function failed(kind: RejectionKind, detail: string): PatchResult {
  return { outcome: 'failed', kind, detail };
}

/** Go reads JSON null into a string field as "", and so do we. */
function stringField(op: Record<string, unknown>, name: string): string | undefined | null {
  const v = op[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : null;
}

function inScope(pointer: string): boolean {
  return pointer.startsWith(SCOPE_PREFIX);
}

function touchesProtected(pointer: string): boolean {
  return PROTECTED.some((p) => pointer === p || pointer.startsWith(`${p}/`));
}

/** The webhook's ops as clean RFC 6902 operations, or why they cannot be applied. */
function readOps(patch: readonly unknown[]): { ops: Operation[]; summary: PatchOpSummary[] } | PatchResult {
  const ops: Operation[] = [];
  const summary: PatchOpSummary[] = [];
  for (let i = 0; i < patch.length; i++) {
    const raw = patch[i];
    if (!isJsonObject(raw)) return failed('MUTATING_WEBHOOK_PATCH_MALFORMED', `patch[${i}] is not an object`);
    const op = stringField(raw, 'op');
    const path = stringField(raw, 'path');
    const from = stringField(raw, 'from');
    if (op === null || path === null || from === null) {
      const name = op === null ? 'op' : path === null ? 'path' : 'from';
      return failed('MUTATING_WEBHOOK_PATCH_MALFORMED', `patch[${i}].${name} is not a string`);
    }
    if (op === undefined || !OPS.has(op)) {
      return failed('MUTATING_WEBHOOK_PATCH_INVALID', `patch[${i}]: unsupported operation ${JSON.stringify(op ?? '')} (valid ops: add, remove, replace, copy, move, test)`);
    }
    if (path === undefined || path === '') return failed('MUTATING_WEBHOOK_PATCH_INVALID', `patch[${i}]: path is required`);
    const moves = op === 'copy' || op === 'move';
    if (moves && (from === undefined || from === '')) return failed('MUTATING_WEBHOOK_PATCH_INVALID', `patch[${i}]: "${op}" requires "from"`);
    if (!inScope(path) || (moves && !inScope(from!))) {
      return failed('MUTATING_WEBHOOK_PATCH_SCOPE', `patch[${i}]: ${op} ${moves ? `from ${from} ` : ''}${path} is outside ${SCOPE_PREFIX}`);
    }
    const writes = op === 'test' ? undefined : op === 'move' && touchesProtected(from!) ? from! : touchesProtected(path) ? path : undefined;
    if (writes !== undefined) return failed('MUTATING_WEBHOOK_PATCH_PROTECTED', `patch[${i}]: ${op} would change ${writes}`);
    // A fresh op object: only RFC 6902's members reach the library, and `value` only when sent.
    const clean: Record<string, unknown> = { op, path };
    if (moves) clean['from'] = from;
    if (Object.hasOwn(raw, 'value')) clean['value'] = raw['value'];
    ops.push(clean as unknown as Operation);
    summary.push(moves ? { op, path, from: from! } : { op, path });
  }
  return { ops, summary };
}

/**
 * Apply the patch of an allow `answer` to the request `body` (judged by the parser as `msg`).
 * `rawAnswer`: the answer's bytes, checked for numbers the patch would carry inexactly.
 * `maxBytes`: the largest request the result may be.
 */
export function applyWebhookPatch(body: Buffer, msg: McpMessage, answer: Record<string, unknown>, rawAnswer: Buffer, maxBytes: number): PatchResult {
  const type = answer['patch_type'];
  const patch = answer['patch'];
  if (type !== undefined && type !== null && typeof type !== 'string') return failed('MUTATING_WEBHOOK_FAILED', 'response "patch_type" is not a string');
  if (!type || patch === undefined || patch === null || (Array.isArray(patch) && patch.length === 0)) return NO_PATCH;
  if (type !== PATCH_TYPE_JSON_PATCH) return failed('MUTATING_WEBHOOK_PATCH_TYPE', `patch_type ${JSON.stringify(type)} is not "${PATCH_TYPE_JSON_PATCH}"`);
  if (!Array.isArray(patch)) return failed('MUTATING_WEBHOOK_PATCH_MALFORMED', `patch is ${typeof patch}, not an array of operations`);
  const read = readOps(patch);
  if ('outcome' in read) return read;

  const text = body.toString('utf8');
  const inexact = inexactNumber(text) ?? inexactNumber(rawAnswer.toString('utf8'));
  if (inexact !== undefined) {
    return failed('MUTATING_WEBHOOK_PATCH_INTERNAL', `number ${inexact} cannot be re-serialised exactly; the request is not patched rather than changed silently`);
  }
  const envelope = { mcp_request: JSON.parse(text) as unknown };
  try {
    // validate: RFC 6902's checks (paths exist, array indices); ban prototype modifications.
    jsonPatch.applyPatch(envelope, read.ops, true, true, true);
  } catch (err) {
    return failed('MUTATING_WEBHOOK_PATCH_FAILED', err instanceof Error ? err.message.split('\n')[0]! : String(err));
  }
  if (read.ops.every((op) => op.op === 'test')) return { outcome: 'unchanged', ops: read.summary };

  let serialised: string;
  try {
    serialised = JSON.stringify(envelope.mcp_request);
  } catch (err) {
    // Only a value nested too deeply for the serialiser's recursion gets here.
    return failed('MUTATING_WEBHOOK_PATCH_INTERNAL', `cannot serialise the patched request (${err instanceof Error ? err.message : String(err)})`);
  }
  const out = Buffer.from(serialised, 'utf8');
  if (out.length > maxBytes) return failed('MUTATING_WEBHOOK_RESULT_TOO_LARGE', `patched request is ${out.length} bytes, over the limit of ${maxBytes}`);
  const parsed = parseMcpMessage(out, 'params');
  if (parsed instanceof Rejection) return failed('MUTATING_WEBHOOK_INVALID_RESULT', `the MCP parser refuses it: ${parsed.message}${parsed.reason ? ` (${parsed.reason})` : ''}`);
  if (parsed.kind !== msg.kind || parsed.method !== msg.method || parsed.id !== msg.id) {
    // Cannot happen with the protected members refused above; kept as the invariant's guard.
    return failed('MUTATING_WEBHOOK_INVALID_RESULT', `the patched request is a ${parsed.kind} ${String(parsed.method)}, not the ${msg.kind} ${String(msg.method)} that was judged`);
  }
  return { outcome: 'patched', body: out, mcp: parsed, ops: read.summary };
}
