// The few places where a message must change on its way through the bridge: ids (and progress
// tokens) mapped between a client and the child. Everything else is forwarded as received.
// Building the child's line from the parser's fields reuses the parse the chain already did;
// only `params` is serialised again.
//
// JSON.parse reads any depth, but JSON.stringify recurses: a value nested a few thousand levels
// deep overflows the stack. Such a message cannot be rewritten, so these functions return
// undefined for it and the caller refuses it (400 to a client, a dropped line from the child)
// instead of throwing a RangeError out of the bridge.

import { isJsonObject as isObject, type JsonObject } from '../json.js';

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

/** A parsed message with its id replaced (responses both ways, server requests to the client); undefined when too deep. */
export function withId(message: JsonObject, id: unknown): string | undefined {
  message['id'] = id;
  return stringifyBounded(message);
}

/** A progress notification from the child with the client's own token restored; undefined when too deep. */
export function withProgressToken(message: JsonObject, token: unknown): string | undefined {
  const params = message['params'] as JsonObject;
  params['progressToken'] = token;
  return stringifyBounded(message);
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
