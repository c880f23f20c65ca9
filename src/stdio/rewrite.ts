// The few places where a message must change on its way through the bridge: ids (and progress
// tokens) mapped between a client and the child. Everything else is forwarded as received: the
// id is swapped inside the message's own text (replaceMembers), so numbers a double cannot hold
// (a BIGINT row id, 1e400) pass as written; re-serialising the parsed message would change them,
// and the child would execute another call than the one the chain judged. Only where the text is
// ambiguous (a name repeated in a child's line) or absent (the proxy's own requests) is a parsed
// message serialised again.
//
// JSON.parse reads any depth, but JSON.stringify recurses: a value nested a few thousand levels
// deep overflows the stack. Such a message cannot be serialised, so these functions return
// undefined for it and the caller refuses it (400 to a client, a dropped line from the child)
// instead of throwing a RangeError out of the bridge. Splicing does not recurse.

import { isJsonObject as isObject, type JsonObject } from '../json.js';
import { memberValueSpan, replaceMembers } from '../mcp/jsonSpans.js';

/** The progress token a request carries in params._meta, or undefined. */
export function progressTokenOf(params: JsonObject | undefined): unknown {
  const meta = params?.['_meta'];
  return isObject(meta) ? meta['progressToken'] : undefined;
}

/** JSON text of `value`, or undefined when it is nested too deeply to serialise (see above). */
export function stringifyBounded(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (err) {
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

/**
 * A client request as the child must see it: the proxy's id, and (when the client asked for
 * progress) the proxy's id as the progress token. The client's params object is not modified.
 * undefined when params are nested too deeply to serialise.
 */
export function childRequestLine(proxyId: number, method: string, params: JsonObject | undefined): string | undefined {
  let out = params;
  if (params !== undefined && progressTokenOf(params) !== undefined) {
    out = { ...params, _meta: { ...(params['_meta'] as JsonObject), progressToken: proxyId } };
  }
  let paramsPart = '';
  if (out !== undefined) {
    const json = stringifyBounded(out);
    if (json === undefined) return undefined;
    paramsPart = `,"params":${json}`;
  }
  return `{"jsonrpc":"2.0","id":${proxyId},"method":${JSON.stringify(method)}${paramsPart}}`;
}

const ID = ['id'] as const;
const REQUEST_TOKEN = ['params', '_meta', 'progressToken'] as const;
const NOTIFICATION_TOKEN = ['params', 'progressToken'] as const;
const CANCELLED_REQUEST = ['params', 'requestId'] as const;

/** A client request as the child sees it, and the client's own id and token texts for the way back. */
export interface ClientRequestLine {
  readonly line: string;
  /** The id exactly as the client wrote it (JSON text). */
  readonly idText: string;
  /** The progress token as the client wrote it, when it sent one. */
  readonly tokenText: string | undefined;
}

/**
 * The client's request bytes (judged by the chain) as one line for the child, with the proxy's
 * id in place of the client's, and as the progress token when the client asked for progress.
 * undefined when the text is ambiguous (the parser refuses repeated names, so: never).
 */
export function clientRequestLine(body: Buffer, proxyId: number, hasToken: boolean): ClientRequestLine | undefined {
  const text = asLine(body);
  const idSpan = memberValueSpan(text, ID);
  const tokenSpan = hasToken ? memberValueSpan(text, REQUEST_TOKEN) : undefined;
  if (!idSpan || tokenSpan === null) return undefined;
  const id = String(proxyId);
  const line = replaceMembers(text, tokenSpan ? [[ID, id], [REQUEST_TOKEN, id]] : [[ID, id]]);
  if (line === undefined) return undefined;
  return { line, idText: text.slice(idSpan.start, idSpan.end), tokenText: tokenSpan ? text.slice(tokenSpan.start, tokenSpan.end) : undefined };
}

/** A parsed message with its id replaced, serialised again; undefined when too deep. */
export function withId(message: JsonObject, id: unknown): string | undefined {
  message['id'] = id;
  return stringifyBounded(message);
}

/**
 * `line` (one message, as received) with its id replaced by `idText`, every other byte as it
 * was; from the parsed `message` when the line repeats a name on the way (undefined: too deep).
 */
export function lineWithId(line: string, message: JsonObject, idText: string): string | undefined {
  return replaceMembers(line, [[ID, idText]]) ?? withId(message, JSON.parse(idText));
}

/** A progress notification from the child with the client's own token (as the client wrote it). */
export function lineWithProgressToken(line: string, message: JsonObject, tokenText: string): string | undefined {
  const out = replaceMembers(line, [[NOTIFICATION_TOKEN, tokenText]]);
  if (out !== undefined) return out;
  (message['params'] as JsonObject)['progressToken'] = JSON.parse(tokenText);
  return stringifyBounded(message);
}

/** The child's notifications/cancelled with the request id the client knows. */
export function lineWithCancelledRequest(line: string, message: JsonObject, requestId: number): string | undefined {
  const out = replaceMembers(line, [[CANCELLED_REQUEST, String(requestId)]]);
  if (out !== undefined) return out;
  (message['params'] as JsonObject)['requestId'] = requestId;
  return stringifyBounded(message);
}

/**
 * A client's notifications/cancelled as the child must see it: the client's own bytes with the
 * proxy's id in place of the requestId; the reason, `_meta` and every other byte as the client
 * wrote them. undefined when the text is ambiguous (the parser refuses repeated names: never).
 */
export function clientCancelledLine(line: string, proxyId: number): string | undefined {
  return replaceMembers(line, [[CANCELLED_REQUEST, String(proxyId)]]);
}

/** The requestId of a notifications/cancelled as written (JSON text); undefined when absent or ambiguous. */
export function cancelledRequestIdText(line: string): string | undefined {
  const span = memberValueSpan(line, CANCELLED_REQUEST);
  return span ? line.slice(span.start, span.end) : undefined;
}

/** The JSON text of the id of `line`, as written (JSON.stringify of `id` when ambiguous). */
export function idTextOf(line: string, id: unknown): string {
  const span = memberValueSpan(line, ID);
  return span ? line.slice(span.start, span.end) : JSON.stringify(id);
}

/** notifications/cancelled for the child, naming the proxy's id. */
export function cancelledLine(requestId: number | string, reason: string): string {
  return `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":${JSON.stringify(requestId)},"reason":${JSON.stringify(reason)}}}`;
}

/** A JSON-RPC error answer to the child (a server request no client can take). */
export function errorLine(id: string | number, code: number, message: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"error":{"code":${code},"message":${JSON.stringify(message)}}}`;
}

/**
 * Raw client bytes as one stdio line. A newline byte in valid JSON can only be insignificant
 * whitespace (strings must escape control characters), so replacing it keeps the message and
 * the framing intact.
 */
export function asLine(body: Buffer): string {
  const text = body.toString('utf8');
  return text.includes('\n') || text.includes('\r') ? text.replace(/[\r\n]/g, ' ') : text;
}

export { isJsonObject } from '../json.js';
