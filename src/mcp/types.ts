import type { JsonRpcId } from '../errors.js';

/**
 * One parsed JSON-RPC message (SPEC §3). Built once by the parser; later stages read it and
 * never re-parse or re-serialise the body.
 */
export interface McpMessage {
  /** request: has method and id; notification: method without id; response: result/error, no method. */
  readonly kind: 'request' | 'notification' | 'response';
  /** undefined for responses. */
  readonly method: string | undefined;
  /** The id as sent (string or number); undefined for notifications and id-less messages. */
  readonly id: JsonRpcId;
  readonly params: Record<string, unknown> | undefined;
  /**
   * The resource the method acts on: tools/call and prompts/get -> params.name;
   * resources/read|subscribe|unsubscribe -> params.uri; initialize -> params.clientInfo.name.
   */
  readonly resourceId: string | undefined;
  /** tools/call: params.arguments. */
  readonly arguments: unknown;
  /** params._meta */
  readonly meta: unknown;
}
