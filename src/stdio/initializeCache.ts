// The child is one MCP session shared by every client, so it is initialized once: the first
// client's `initialize` goes to the child, clients that ask meanwhile wait for its answer, and
// later ones are answered from the cached result. The first client's params are kept so a
// restarted child can be initialized again the same way (bridge.ts, prepare).

import type { Logger } from 'pino';
import { Rejection, type RejectionKind } from '../errors.js';
import type { McpMessage } from '../mcp/types.js';
import type { JsonObject } from '../json.js';
import { callRejection, type ClientCall, type Reply } from './calls.js';
import { errorLine, stringifyBounded, withId } from './rewrite.js';
import type { Session, SessionRegistry } from './sessions.js';

export const TOO_DEEP = 'nested too deeply to forward';

interface InitWaiter {
  readonly session: Session;
  readonly id: Exclude<McpMessage['id'], undefined>;
  readonly reply: Reply;
}

function resultLine(id: unknown, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
}

export class InitializeCache {
  readonly #sessions: SessionRegistry;
  readonly #logger: Logger;
  /** The first client's initialize params, replayed to a restarted child. */
  params: JsonObject | undefined;
  /** The child's initialize result as JSON text; null until the child was initialized. */
  #result: string | null = null;
  #inFlight: ClientCall | null = null;
  #waiters: InitWaiter[] = [];
  /** notifications/initialized was forwarded once (the child hears it once). */
  initializedSent = false;

  constructor(sessions: SessionRegistry, logger: Logger) {
    this.#sessions = sessions;
    this.#logger = logger;
  }

  get initialized(): boolean {
    return this.#result !== null;
  }

  /**
   * A client's initialize: answered from the cache, queued behind the one in flight, or handed
   * to `send` (which forwards it; undefined when it could not). A Rejection when not forwardable.
   */
  request(session: Session, msg: McpMessage, reply: Reply, send: () => ClientCall | undefined): Rejection | undefined {
    const id = msg.id ?? null;
    if (this.#result !== null) reply.respond(resultLine(id, this.#result));
    else if (this.#inFlight) this.#waiters.push({ session, id, reply });
    else {
      const call = send();
      if (!call) return new Rejection('INVALID_REQUEST', msg.id, { reason: `params ${TOO_DEEP}` });
      this.params = msg.params;
      this.#inFlight = call;
    }
    return undefined;
  }

  /** The child answered the initialize in flight: every waiting client gets the answer. */
  answered(call: ClientCall, msg: JsonObject): void {
    this.#inFlight = null;
    const waiters = this.#waiters;
    this.#waiters = [];
    if ('result' in msg) {
      const result = stringifyBounded(msg['result']);
      if (result !== undefined) {
        this.#result = result;
        call.reply.respond(resultLine(call.clientId, result));
        for (const w of waiters) w.reply.respond(resultLine(w.id, result));
        return;
      }
      this.#logger.warn({ id: msg['id'] }, `stdio server wrote an initialize result ${TOO_DEEP}; dropped`);
      const reason = `initialize result ${TOO_DEEP}`;
      call.reply.fail(callRejection('UPSTREAM_UNREACHABLE', call, reason));
      this.#forget(call.session);
      for (const w of waiters) {
        w.reply.fail(new Rejection('UPSTREAM_UNREACHABLE', w.id, { reason }));
        this.#forget(w.session);
      }
      return;
    }
    // The child refused: every waiting client gets the refusal, and the next initialize tries again.
    const refusal = (id: unknown): string => withId(msg, id) ?? errorLine(id as string | number, -32603, `initialize refused (error ${TOO_DEEP})`);
    call.reply.respond(refusal(call.clientId));
    this.#forget(call.session);
    for (const w of waiters) {
      w.reply.respond(refusal(w.id));
      this.#forget(w.session);
    }
  }

  /** The initialize in flight, `call`, will never be answered (child exited, no answer in time). */
  failed(call: ClientCall, kind: RejectionKind, reason: string): void {
    call.reply.fail(callRejection(kind, call, reason));
    this.#forget(call.session);
    this.failWaiters(reason, kind);
  }

  /** The clients waiting for the initialize in flight get `kind` (it failed, or shutdown). */
  failWaiters(reason: string, kind: RejectionKind = 'UPSTREAM_UNREACHABLE'): void {
    this.#inFlight = null;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      w.reply.fail(new Rejection(kind, w.id, { reason }));
      this.#forget(w.session);
    }
  }

  /**
   * A streamable-HTTP session is opened by its initialize; when that fails (refused, no answer,
   * child gone), the client never received the session's id, and nothing else would end it. A
   * legacy SSE session is its stream, whose client knows it and may initialize again: it stays.
   */
  #forget(session: Session): void {
    if (session.kind === 'streamable-http') this.#sessions.remove(session);
  }
}
