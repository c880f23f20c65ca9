// The child exposed through the legacy HTTP+SSE transport (MCP 2024-11-05; `proxy_mode: sse`):
// GET /sse opens the session's only stream, whose first event names the URL to POST to;
// POST /messages?sessionId=<id> is answered 202 and every answer goes out on the stream.
// The endpoint is a relative URL, so it keeps pointing at the proxy (SPEC §6).

import type { ServerResponse } from 'node:http';
import { Rejection } from '../errors.js';
import type { RequestContext } from '../chain/types.js';
import type { ClientCall, Reply } from './calls.js';
import type { Bridge } from './bridge.js';
import type { Session } from './sessions.js';
import type { SessionCaps } from './sessionCaps.js';
import { SseStream, type SseSettings } from './sseStream.js';
import { withListEdits } from './editedReply.js';
import { pathOf, queryParam, reject, sendAccepted } from './http.js';

/** Everything for a legacy session goes on its one stream; one object per session, not per request. */
class StreamReply implements Reply {
  readonly #session: Session;

  constructor(session: Session) {
    this.#session = session;
  }

  related(line: string): boolean {
    return this.#session.push(line);
  }

  respond(line: string): void {
    this.#session.push(line);
  }

  fail(rejection: Rejection): void {
    this.#session.push(rejection.body());
  }

  abandon(): void {}

  bind(_call: ClientCall): void {}
}

export class LegacySseEndpoint {
  readonly #bridge: Bridge;
  readonly #caps: SessionCaps;
  readonly #settings: SseSettings;
  readonly #replies = new WeakMap<Session, StreamReply>();

  constructor(bridge: Bridge, caps: SessionCaps, settings: SseSettings) {
    this.#bridge = bridge;
    this.#caps = caps;
    this.#settings = settings;
  }

  handle(ctx: RequestContext, res: ServerResponse): void {
    const path = pathOf(ctx.url);
    if (path === '/sse' && ctx.httpMethod === 'GET') this.#open(ctx, res);
    else if (path === '/messages' && ctx.httpMethod === 'POST') this.#message(ctx, res);
    else if (path === '/sse' || path === '/messages') {
      reject(ctx, res, new Rejection('METHOD_NOT_ALLOWED', ctx.mcp?.id, { headers: { allow: path === '/sse' ? 'GET' : 'POST' }, reason: `${ctx.httpMethod} ${path}` }));
    } else reject(ctx, res, new Rejection('NOT_FOUND', ctx.mcp?.id, { reason: `no route ${path}` }));
  }

  #open(ctx: RequestContext, res: ServerResponse): void {
    const bridge = this.#bridge;
    const session = this.#caps.open('sse', ctx.clientIp, undefined);
    if (session instanceof Rejection) {
      reject(ctx, res, session);
      return;
    }
    // The session's only stream: shutdown ends it at once instead of waiting for it (SPEC §1).
    ctx.streaming = true;
    this.#replies.set(session, new StreamReply(session));
    const stream = new SseStream(res, this.#settings, session.id);
    session.attachStream(stream);
    // The stream is the session: when it closes, the session ends.
    stream.onClose = () => bridge.endSession(session, 'SSE stream closed');
    stream.send(`/messages?sessionId=${session.id}`, 'endpoint');
  }

  #message(ctx: RequestContext, res: ServerResponse): void {
    const msg = ctx.mcp;
    const id = msg?.id;
    if (!msg || !ctx.body) {
      reject(ctx, res, new Rejection('INVALID_REQUEST', id, { reason: 'POST /messages needs a JSON-RPC message' }));
      return;
    }
    const sessionId = queryParam(ctx.url, 'sessionId');
    if (sessionId === null) {
      reject(ctx, res, new Rejection('INVALID_REQUEST', id, { reason: 'sessionId is not valid percent-encoding' }));
      return;
    }
    if (!sessionId) {
      reject(ctx, res, new Rejection('INVALID_REQUEST', id, { reason: 'sessionId query parameter is required' }));
      return;
    }
    const session = this.#bridge.sessions.get(sessionId);
    const reply = session && this.#replies.get(session);
    if (!session || !reply) {
      reject(ctx, res, new Rejection('NOT_FOUND', id, { reason: 'unknown session' }));
      return;
    }
    this.#bridge.sessions.seen(session);
    let refused: Rejection | undefined;
    if (msg.kind === 'request') refused = this.#bridge.request(session, msg, withListEdits(reply, ctx));
    else if (msg.kind === 'notification') this.#bridge.notification(session, msg, ctx.body);
    else refused = this.#bridge.response(session, msg, ctx.body);
    if (refused) reject(ctx, res, refused);
    else sendAccepted(res);
  }
}
