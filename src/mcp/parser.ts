// The pure half of the MCP parser (SPEC §3): bytes in, a McpMessage or a Rejection out. The
// middleware and dry-run call it; it never touches the body it is given, so the bytes forwarded
// upstream are exactly the bytes judged here.
//
// Decisions where SPEC §3 is silent (docs/architecture.md repeats them):
// - An empty body is a parse error (-32700): "" is not JSON, as JSON.parse and the MCP SDK agree.
// - A UTF-8 byte order mark is a parse error: RFC 8259 forbids sending one, and accepting it
//   would mean judging text the upstream may read differently.
// - Bytes that are not valid UTF-8 are a parse error: decoding would replace them with U+FFFD,
//   so the proxy would judge a different string than the one the upstream receives.
// - `"jsonrpc": "2.0"` is required (MCP requires it); anything else is -32600 Invalid Request.
// - `params`, when present and not null, must be an object (MCP never uses by-position
//   params); `params: null` is read as absent.
// - `id` must be a string or a number (SPEC §3); any other type is -32600, answered without an
//   id. `null` is read as a present null id: a request carrying it is -32600 (MCP: a request id
//   MUST NOT be null), answered with `"id":null` as JSON-RPC asks of an Invalid Request; only a
//   response (a client's error answer whose request id it could not read) may carry it.
// - An object without `method` is a response when it carries `result` or `error` (and `id`);
//   otherwise it is -32600.
// - Duplicate members, members that collide case-insensitively in the envelope or params (with
//   FoldScope 'params': in any object inside params), and nesting deeper than 128 levels are
//   -32600 (jsonShape.ts says why).

import { isUtf8 } from 'node:buffer';
import { Rejection, type JsonRpcId } from '../errors.js';
import { shapeProblem, type FoldScope } from './jsonShape.js';
import { isJsonObject as isObject, type JsonObject } from '../json.js';
import type { McpMessage } from './types.js';

/** The fields SPEC §3 names as the resource a method acts on. */
const RESOURCE_FIELD: ReadonlyMap<string, 'name' | 'uri'> = new Map([
  ['tools/call', 'name'],
  ['prompts/get', 'name'],
  ['resources/read', 'uri'],
  ['resources/subscribe', 'uri'],
  ['resources/unsubscribe', 'uri'],
]);



function invalid(id: JsonRpcId, reason: string): Rejection {
  return new Rejection('INVALID_REQUEST', id, { reason });
}

function resourceIdOf(method: string, params: JsonObject | undefined): string | undefined {
  if (params === undefined) return undefined;
  if (method === 'initialize') {
    const clientInfo = params['clientInfo'];
    const name = isObject(clientInfo) ? clientInfo['name'] : undefined;
    return typeof name === 'string' ? name : undefined;
  }
  const field = RESOURCE_FIELD.get(method);
  if (field === undefined) return undefined;
  const value = params[field];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parse one JSON-RPC message. Never modifies `body`. `fold`: how far member names are compared as
 * Go folds them (jsonShape.ts); the parser stage compiles it from the config (parserStage.ts).
 */
export function parseMcpMessage(body: Buffer, fold: FoldScope = 'envelope'): McpMessage | Rejection {
  if (body.length === 0) return new Rejection('PARSE_ERROR', undefined, { reason: 'empty body' });
  if (!isUtf8(body)) return new Rejection('PARSE_ERROR', undefined, { reason: 'body is not valid UTF-8' });
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return new Rejection('PARSE_ERROR', undefined, { reason: (err as Error).message });
  }
  if (Array.isArray(value)) {
    return new Rejection('BATCH_NOT_SUPPORTED', undefined, { reason: 'JSON array (batch)' });
  }
  if (!isObject(value)) return invalid(undefined, `body is JSON ${value === null ? 'null' : typeof value}, not an object`);
  // Duplicate or case-colliding members and deep nesting mean another parser may read another
  // message (jsonShape.ts); refused without an id, since which id the upstream would see is the question.
  const problem = shapeProblem(text, fold);
  if (problem !== undefined) return invalid(undefined, problem);

  // The id first, so every later rejection can echo it.
  let id: JsonRpcId;
  const hasId = 'id' in value;
  if (hasId) {
    const raw = value['id'];
    if (typeof raw !== 'string' && typeof raw !== 'number' && raw !== null) {
      return invalid(undefined, `id must be a string, number or null, got ${Array.isArray(raw) ? 'array' : typeof raw}`);
    }
    id = raw;
  }
  if (value['jsonrpc'] !== '2.0') return invalid(id, 'jsonrpc must be "2.0"');

  const method = value['method'];
  if (method === undefined) {
    if (hasId && ('result' in value || 'error' in value)) {
      return { kind: 'response', method: undefined, id, params: undefined, resourceId: undefined, arguments: undefined, meta: undefined };
    }
    return invalid(id, 'no method, and not a response (result or error with id)');
  }
  if (typeof method !== 'string') return invalid(id, 'method must be a string');
  if (id === null) return invalid(id, 'id must be a string or a number: a request id must not be null');

  const rawParams = value['params'];
  let params: JsonObject | undefined;
  if (rawParams !== undefined && rawParams !== null) {
    if (!isObject(rawParams)) return invalid(id, 'params must be an object');
    params = rawParams;
  }
  return {
    kind: hasId ? 'request' : 'notification',
    method,
    id,
    params,
    resourceId: resourceIdOf(method, params),
    arguments: method === 'tools/call' ? params?.['arguments'] : undefined,
    meta: params?.['_meta'],
  };
}

/** One human line for dry-run: `tools/call "search"`, `notifications/initialized (notification)`. */
export function describeMessage(msg: McpMessage): string {
  if (msg.kind === 'response') return 'response (forwarded without checks)';
  const resource = msg.resourceId === undefined ? '' : ` ${JSON.stringify(msg.resourceId)}`;
  return `${msg.method}${resource}${msg.kind === 'notification' ? ' (notification)' : ''}`;
}
