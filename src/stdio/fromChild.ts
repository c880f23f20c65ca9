// Messages the child writes, routed to the clients they belong to: answers to the client call
// whose (mapped) id they carry, requests of the child's own (sampling, elicitation, roots) to
// the client most likely to have caused them, progress to the call whose token it names, and
// everything else to every session. Lines are parsed once, here.

import type { Logger } from 'pino';
import { isJsonObject, type JsonObject } from '../json.js';
import { callRejection, type CallTable } from './calls.js';
import type { InitializeCache } from './initializeCache.js';
import { TOO_DEEP } from './initializeCache.js';
import type { InternalRequests } from './internalRequests.js';
import { errorLine, idTextOf, lineWithCancelledRequest, lineWithId, lineWithProgressToken } from './rewrite.js';
import type { SessionRegistry } from './sessions.js';
import type { ChildLink } from './supervisor.js';

export interface ChildRoutes {
  readonly child: ChildLink;
  readonly calls: CallTable;
  readonly internal: InternalRequests;
  readonly sessions: SessionRegistry;
  readonly init: InitializeCache;
  readonly logger: Logger;
  /** Server requests one session may leave unanswered (SPEC §14). */
  readonly maxServerRequestsPerSession: number;
}

export class FromChild {
  readonly #r: ChildRoutes;

  constructor(routes: ChildRoutes) {
    this.#r = routes;
  }

  readonly onLine = (line: string): void => {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.#r.logger.warn({ line: line.slice(0, 200) }, 'stdio server wrote a line that is not JSON; dropped');
      return;
    }
    if (!isJsonObject(msg)) return;
    const method = msg['method'];
    if (typeof method !== 'string') this.#response(msg, line);
    else if (msg['id'] !== undefined && msg['id'] !== null) this.#serverRequest(msg, line);
    else this.#notification(method, msg, line);
  };

  #tooDeep(what: string, id: unknown): void {
    this.#r.logger.warn({ id }, `stdio server wrote a ${what} ${TOO_DEEP}; dropped`);
  }

  #response(msg: JsonObject, line: string): void {
    const { calls, internal, init, logger } = this.#r;
    const id = msg['id'];
    if (internal.settle(id, msg)) return;
    const call = calls.call(id);
    if (!call) {
      logger.debug({ id }, 'stdio server answered a request no client waits for (timed out, cancelled or session ended); dropped');
      return;
    }
    calls.removeCall(call);
    if (call.isInitialize) return init.answered(call, msg);
    const out = lineWithId(line, msg, call.clientIdText);
    if (out !== undefined) call.reply.respond(out);
    else {
      this.#tooDeep('response', id);
      call.reply.fail(callRejection('UPSTREAM_UNREACHABLE', call, `the stdio server's answer was ${TOO_DEEP}`));
    }
  }

  /**
   * A request from the child (sampling, elicitation, roots). stdio carries no hint of which
   * client request caused it. When the calls in flight are all one session's, it goes to that
   * session — on the latest call's own SSE stream when it has one; with no call in flight, to
   * the most recently active session's GET stream. When calls of several sessions are in flight
   * it is refused: guessing sent one client's sampling prompt to another client, and that
   * client's answer back (SPEC §6: they must reach the right client).
   */
  #serverRequest(msg: JsonObject, line: string): void {
    const { child, calls, sessions, logger, maxServerRequestsPerSession } = this.#r;
    const childId = msg['id'] as string | number;
    const { call, sessions: inFlight } = calls.latestCall();
    if (inFlight === 'several') {
      logger.warn({ method: msg['method'] }, 'stdio server request refused: calls of several clients are in flight, and stdio does not say which one it is for');
      child.send(errorLine(childId, -32603, 'several clients have requests in flight: the proxy cannot tell which one this request is for'));
      return;
    }
    const session = call?.session ?? sessions.mostRecentWithStream();
    if (!session) {
      child.send(errorLine(childId, -32603, 'no client is connected to answer this request'));
      return;
    }
    if (session.serverCalls.size >= maxServerRequestsPerSession) {
      logger.warn({ session: session.id, pending: session.serverCalls.size }, 'stdio server request refused: the client has too many unanswered');
      child.send(errorLine(childId, -32603, 'the client has too many requests from the server unanswered'));
      return;
    }
    const sc = { clientFacingId: calls.nextId(), childId, childIdText: idTextOf(line, childId), session, generation: child.generation };
    const out = lineWithId(line, msg, String(sc.clientFacingId));
    if (out === undefined) {
      this.#tooDeep('request', childId);
      child.send(errorLine(childId, -32603, `request ${TOO_DEEP}`));
      return;
    }
    calls.addServerCall(sc);
    if ((call && call.reply.related(out)) || session.push(out)) {
      // Its client's calls wait for the client now (a person may be answering): no 504 for them.
      if (call) calls.answerStartedInSession(session);
      return;
    }
    calls.removeServerCall(sc);
    child.send(errorLine(childId, -32603, 'the client has no open stream to receive this request'));
  }

  #notification(method: string, msg: JsonObject, line: string): void {
    const { calls, sessions } = this.#r;
    const params = msg['params'];
    if (method === 'notifications/progress') {
      const call = calls.call(isJsonObject(params) ? params['progressToken'] : undefined);
      if (!call) return;
      calls.answerStarted(call); // the child is working on it: no 504 (bridge.ts, expireCalls)
      if (call.clientTokenText === undefined) return;
      const out = lineWithProgressToken(line, msg, call.clientTokenText);
      if (out === undefined) this.#tooDeep('progress notification', undefined);
      else if (!call.reply.related(out)) call.session.push(out);
      return;
    }
    if (method === 'notifications/cancelled' && isJsonObject(params)) {
      const sc = calls.serverCallByChildId(params['requestId']);
      if (!sc) return;
      calls.removeServerCall(sc);
      const out = lineWithCancelledRequest(line, msg, sc.clientFacingId);
      if (out === undefined) this.#tooDeep('cancellation', undefined);
      else sc.session.push(out);
      return;
    }
    sessions.broadcast(line);
  }
}
