// The one RequestContext the server builds per request. Besides the fields of the contract it
// carries what the request log needs (which stage refused, and why) and a back-reference the
// module-level 'close' listener uses, so no closure is allocated per request.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext, StageNote, StageReport } from '../chain/types.js';
import type { McpMessage } from '../mcp/types.js';

/** Where the server keeps a request's context on its response object. */
export const kContext = Symbol('thv.server.context');

export type ContextResponse = ServerResponse & { [kContext]?: ServerRequestContext };

/** What the server does when a response closes; implemented by ProxyServer. */
export interface ResponseCloseSink {
  responseClosed(ctx: ServerRequestContext): void;
}

export class ServerRequestContext implements RequestContext {
  readonly httpMethod: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly clientIp: string;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  body: Buffer | null = null;
  mcp: McpMessage | null = null;
  note: StageNote | null = null;
  readonly trace: StageReport[] | null = null;
  readonly startNs: bigint;
  /** Name of the stage (or "proxy") that answered with an error, for the request log. */
  rejectedBy: string | undefined = undefined;
  /** Why, for the request log only. */
  reason: string | undefined = undefined;
  /** The response is an event stream (set by the terminal), so shutdown need not wait for it. */
  streaming = false;
  readonly sink: ResponseCloseSink;
  /**
   * Told when the response closes, by the server's one 'close' listener (the proxy's Exchange
   * sets it), so a forwarded request adds no listener of its own.
   */
  closeWatcher: { clientClosed(): void } | null = null;

  constructor(req: IncomingMessage, res: ServerResponse, clientIp: string, sink: ResponseCloseSink) {
    this.httpMethod = req.method ?? 'GET';
    this.url = req.url ?? '/';
    this.headers = req.headers;
    this.clientIp = clientIp;
    this.req = req;
    this.res = res;
    this.sink = sink;
    this.startNs = process.hrtime.bigint();
  }
}

/**
 * Record, for the request log, that `stage` answered this request with an error. A no-op for
 * contexts that are not the server's own (dry-run records its own trace).
 */
export function noteFailure(ctx: RequestContext, stage: string, reason: string | undefined): void {
  if (ctx instanceof ServerRequestContext) {
    ctx.rejectedBy = stage;
    ctx.reason = reason;
  }
}

/** Record that the response is an event stream (shutdown ends standalone streams at once). */
export function noteStreaming(ctx: RequestContext): void {
  if (ctx instanceof ServerRequestContext) ctx.streaming = true;
}
