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
import { queryParam, reject, sendAccepted } from './http.js';

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

  /** Route, method, message and sessionId were checked by the stdio-endpoint stage (endpointStage.ts). */
  handle(ctx: RequestContext, res: ServerResponse): void {
    if (ctx.httpMethod === 'GET') this.#open(ctx, res);
    else this.#message(ctx, res);
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
    const msg = ctx.mcp!;
    const body = ctx.body!;
    const id = msg.id;
    const session = this.#bridge.sessions.get(queryParam(ctx.url, 'sessionId')!);
    const reply = session && this.#replies.get(session);
    if (!session || !reply) {
      reject(ctx, res, new Rejection('NOT_FOUND', id, { reason: 'unknown session' }));
      return;
    }
    this.#bridge.sessions.seen(session);
    let refused: Rejection | undefined;
    if (msg.kind === 'request') refused = this.#bridge.request(session, msg, body, withListEdits(reply, ctx));
    else if (msg.kind === 'notification') refused = this.#bridge.notification(session, msg, body);
    else refused = this.#bridge.response(session, msg, body);
    if (refused) reject(ctx, res, refused);
    else sendAccepted(res);
  }
}
