// The child exposed as MCP streamable HTTP at /mcp (SPEC §6; MCP 2025-06-18 "Streamable HTTP"):
// POST carries one JSON-RPC message, GET opens the session's standalone SSE stream, DELETE ends
// the session. Session ids are the proxy's, one per client (see bridge.ts).
//
// A request's answer starts as a plain JSON response and turns into an SSE stream only when a
// related message (progress, a server request) must go out first and the client accepts
// text/event-stream. So a request that fails before anything was sent can still get an honest
// 502 status.

import type { ServerResponse } from 'node:http';
import { Rejection, writeRejection, type JsonRpcId } from '../errors.js';
import type { RequestContext } from '../chain/types.js';
import type { ClientCall, Reply } from './calls.js';
import type { Bridge } from './bridge.js';
import type { Session } from './sessions.js';
import type { SessionCaps } from './sessionCaps.js';
import { SseStream, type SseSettings } from './sseStream.js';
import { withListEdits } from './editedReply.js';
import { reject, sendAccepted, sendEmpty } from './http.js';

class PostReply implements Reply {
  readonly #res: ServerResponse;
  readonly #sse: boolean;
  readonly #session: Session;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #settings: SseSettings;
  readonly #gone: (call: ClientCall) => void;
  #stream: SseStream | null = null;
  #call: ClientCall | null = null;
  #done = false;

  constructor(res: ServerResponse, acceptsSse: boolean, session: Session, settings: SseSettings, gone: (call: ClientCall) => void) {
    this.#res = res;
    this.#sse = acceptsSse;
    this.#session = session;
    this.#headers = { 'mcp-session-id': session.id };
    this.#settings = settings;
    this.#gone = gone;
    res.once('close', this.#onClose);
  }

  bind(call: ClientCall): void {
    this.#call = call;
  }

  /** The client went away before its answer: the child is told to stop working on it. */
  readonly #onClose = (): void => {
    if (this.#done) return;
    this.#done = true;
    if (this.#call) this.#gone(this.#call);
  };

  /**
   * Turns the answer into an SSE stream on the first related message — unless the session has
   * its maximum of open streams: then false, and the message goes on the session's GET stream.
   */
  related(line: string): boolean {
    if (this.#done || !this.#sse) return false;
    if (!this.#stream) {
      const session = this.#session;
      if (session.streamCount >= this.#settings.maxStreamsPerSession) return false;
      const stream = new SseStream(this.#res, this.#settings, session.id, this.#headers);
      session.streamOpened();
      stream.onClose = () => session.streamClosed();
      this.#stream = stream;
    }
    return this.#stream.send(line);
  }

  respond(line: string): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#stream) {
      this.#stream.send(line);
      this.#stream.end();
      return;
    }
    if (this.#res.destroyed) return;
    this.#res.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(line)),
      ...this.#headers,
    });
    this.#res.end(line);
  }

  fail(rejection: Rejection): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#stream) {
      // Headers are gone: the error travels as the request's JSON-RPC answer on the stream.
      this.#stream.send(rejection.body());
      this.#stream.end();
    } else if (!this.#res.destroyed) writeRejection(this.#res, rejection);
  }

  abandon(): void {
    if (this.#done) return;
    this.#done = true;
    if (this.#stream) this.#stream.end();
    else if (!this.#res.destroyed) sendAccepted(this.#res);
  }
}

function acceptsEventStream(accept: string | undefined): boolean {
  return accept !== undefined && accept.includes('text/event-stream');
}

/**
 * A GET is for the session's event stream only: its Accept must take text/event-stream (MCP has
 * the client list it; a wildcard takes it too, as HTTP reads Accept). Else 406, as the reference
 * SDK's server answers, rather than a stream the client did not ask for holding the socket.
 */
function takesEventStream(accept: string | undefined): boolean {
  return accept !== undefined && (acceptsEventStream(accept) || /(^|,)\s*(\*\/\*|text\/\*)\s*(;|,|$)/.test(accept));
}

export class StreamableHttpEndpoint {
  readonly #bridge: Bridge;
  readonly #caps: SessionCaps;
  readonly #settings: SseSettings;
  readonly #gone: (call: ClientCall) => void;

  constructor(bridge: Bridge, caps: SessionCaps, settings: SseSettings) {
    this.#bridge = bridge;
    this.#caps = caps;
    this.#settings = settings;
    this.#gone = (call) => bridge.cancel(call, 'client went away');
  }

  /** Route, method and the session header were checked by the stdio-endpoint stage (endpointStage.ts). */
  handle(ctx: RequestContext, res: ServerResponse): void {
    if (ctx.httpMethod === 'POST') this.#post(ctx, res);
    else if (ctx.httpMethod === 'GET') this.#get(ctx, res);
    else this.#delete(ctx, res);
  }

  #post(ctx: RequestContext, res: ServerResponse): void {
    const msg = ctx.mcp!;
    const body = ctx.body!;
    const bridge = this.#bridge;
    if (msg.kind === 'request' && msg.method === 'initialize') {
      // A new client: its own session, whatever header it sent.
      const session = this.#caps.open('streamable-http', ctx.clientIp, msg.id);
      if (session instanceof Rejection) {
        reject(ctx, res, session);
        return;
      }
      const refused = bridge.request(session, msg, body, this.#reply(ctx, res, session));
      if (refused) {
        bridge.sessions.remove(session);
        reject(ctx, res, refused);
      }
      return;
    }
    const session = this.#session(ctx, res, msg.id);
    if (!session) return;
    let refused: Rejection | undefined;
    if (msg.kind === 'request') refused = bridge.request(session, msg, body, withListEdits(this.#reply(ctx, res, session), ctx));
    else if (msg.kind === 'notification') refused = bridge.notification(session, msg, body);
    else refused = bridge.response(session, msg, body);
    if (refused) reject(ctx, res, refused);
    else if (msg.kind !== 'request') sendAccepted(res);
  }

  #get(ctx: RequestContext, res: ServerResponse): void {
    if (!takesEventStream(ctx.headers.accept)) {
      reject(ctx, res, new Rejection('NOT_ACCEPTABLE', undefined, { reason: `GET without text/event-stream in Accept (${JSON.stringify(ctx.headers.accept ?? '')})` }));
      return;
    }
    const session = this.#session(ctx, res, undefined);
    if (!session) return;
    const stream = new SseStream(res, this.#settings, session.id, { 'mcp-session-id': session.id });
    // A standalone stream has no end to wait for: shutdown ends it at once (SPEC §1).
    ctx.streaming = true;
    stream.onClose = () => session.detachStream(stream);
    session.attachStream(stream);
  }

  #delete(ctx: RequestContext, res: ServerResponse): void {
    const session = this.#session(ctx, res, undefined);
    if (!session) return;
    this.#bridge.endSession(session, 'session deleted by the client');
    sendEmpty(res, 204);
  }

  #reply(ctx: RequestContext, res: ServerResponse, session: Session): PostReply {
    return new PostReply(res, acceptsEventStream(ctx.headers.accept), session, this.#settings, this.#gone);
  }

  /** The session the request names (the stage saw the header): 404 when unknown, ended or expired (MCP spec). */
  #session(ctx: RequestContext, res: ServerResponse, rid: JsonRpcId): Session | undefined {
    const session = this.#bridge.sessions.get(ctx.headers['mcp-session-id'] as string);
    if (!session) {
      reject(ctx, res, new Rejection('NOT_FOUND', rid, { reason: 'unknown session' }));
      return undefined;
    }
    this.#bridge.sessions.seen(session);
    return session;
  }
}
