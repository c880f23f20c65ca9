// The one RequestContext the server builds per request. Besides the fields of the contract it
// carries what the request log needs (which stage refused, and why) and a back-reference the
// module-level 'close' listener uses, so no closure is allocated per request.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AppliedPatchOp, CloseWatcher, RequestContext, RequestSpan, StageNote, StageReport } from '../chain/types.js';
import type { McpMessage } from '../mcp/types.js';
import type { Principal } from '../auth/principal.js';

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
  /** Initialised so every context has one shape; set by authentication. */
  principal: Principal | null = null;
  /** Initialised so every context has the same shape; set only when a webhook patched. */
  patches: AppliedPatchOp[] | undefined = undefined;
  note: StageNote | null = null;
  /** Set by telemetry when tracing is on (src/telemetry/tracing.ts). */
  span: RequestSpan | null = null;
  /** The server's observer (telemetry, audit) saw this request start, so it sees it end. */
  observed = false;
  readonly trace: StageReport[] | null = null;
  readonly startNs: bigint;
  rejectedBy: string | undefined = undefined;
  reason: string | undefined = undefined;
  streaming = false;
  closeWatcher: CloseWatcher | null = null;
  /** The server's one 'close' listener calls closeWatcher. */
  readonly watchesClose = true;
  readonly sink: ResponseCloseSink;
  /** Links of the server's in-flight list (inFlight.ts). */
  inFlightPrev: ServerRequestContext | null = null;
  inFlightNext: ServerRequestContext | null = null;

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
