// The router between many HTTP clients and one stdio child (docs/stdio.md). Client messages
// arrive already parsed by the chain (ctx.mcp) and are forwarded here with their ids and progress
// tokens mapped (CallTable); what the child writes is routed back by fromChild.ts; the child is
// initialized once (initializeCache.ts). The child itself is reached through a ChildLink (the
// Supervisor) handed over at construction; the supervisor reaches the bridge through the hooks
// it is given when it starts.

import type { Logger } from 'pino';
import { Rejection } from '../errors.js';
import type { JsonObject } from '../json.js';
import type { McpMessage } from '../mcp/types.js';
import { DEFAULT_UPSTREAM_TIMEOUT_MS } from '../proxy/timeouts.js';
import { AnswerDeadline } from './answerDeadline.js';
import { CallTable, callRejection, type ClientCall, type Reply } from './calls.js';
import { FromChild } from './fromChild.js';
import { InitializeCache, TOO_DEEP } from './initializeCache.js';
import { InternalRequests, InternalTimeout } from './internalRequests.js';
import { asLine, cancelledLine, cancelledRequestIdText, childRequestLine, clientCancelledLine, clientRequestLine, errorLine, isJsonObject, lineWithId, progressTokenOf } from './rewrite.js';
import { SessionRegistry, type Session } from './sessions.js';
import type { ChildLink, SupervisorHooks } from './supervisor.js';

const PROBE_MS = 5_000;
const REPLAY_MS = 30_000;
const INITIALIZED_LINE = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

/** Server requests (sampling, elicitation, roots) a session may leave unanswered (SPEC §14). */
export const DEFAULT_MAX_SERVER_REQUESTS_PER_SESSION = 32;

/** The "not reading its input" warning, at most once per this (ms). */
const INPUT_FULL_LOG_INTERVAL_MS = 10_000;

export interface BridgeOptions {
  /** Server requests one session may leave unanswered (default 32). */
  readonly maxServerRequestsPerSession?: number | undefined;
  /** How long a call may wait for the start of its answer before it gets 504 (default 30 s, SPEC §6). */
  readonly answerTimeoutMs?: number | undefined;
}

export class Bridge implements SupervisorHooks {
  readonly sessions = new SessionRegistry();
  readonly #calls: CallTable;
  readonly #internal = new InternalRequests();
  readonly #logger: Logger;
  readonly #child: ChildLink;
  readonly #answerTimeoutMs: number;
  readonly #deadline: AnswerDeadline;
  /** When the last "not reading its input" warning was logged (one per interval, not per request). */
  #inputFullLogged = 0;
  readonly #init: InitializeCache;
  readonly onLine: (line: string) => void;

  constructor(child: ChildLink, logger: Logger, opts: BridgeOptions = {}) {
    this.#child = child;
    this.#logger = logger;
    this.#answerTimeoutMs = opts.answerTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    this.#calls = new CallTable(this.#answerTimeoutMs);
    this.#deadline = new AnswerDeadline(this.#calls, (now) => this.expireCalls(now));
    this.#init = new InitializeCache(this.sessions, logger);
    this.onLine = new FromChild({
      child,
      calls: this.#calls,
      internal: this.#internal,
      sessions: this.sessions,
      init: this.#init,
      logger,
      maxServerRequestsPerSession: opts.maxServerRequestsPerSession ?? DEFAULT_MAX_SERVER_REQUESTS_PER_SESSION,
    }).onLine;
  }

  // ---- from clients --------------------------------------------------------------------------

  /**
   * A client request (`body`: its bytes as the chain judged them); a Rejection (nothing was sent,
   * `reply` untouched) when it cannot be forwarded.
   */
  request(session: Session, msg: McpMessage, body: Buffer, reply: Reply): Rejection | undefined {
    this.sessions.touch(session);
    // A child that does not read its stdin: refuse, rather than hold the request in memory.
    if (this.#child.inputFull()) return this.#inputFull(msg.id);
    if (msg.method === 'initialize') return this.#init.request(session, msg, reply, () => this.#send(session, msg, body, reply, true));
    return this.#send(session, msg, body, reply, false) ? undefined : new Rejection('INVALID_REQUEST', msg.id, { reason: `params ${TOO_DEEP}` });
  }

  #inputFull(id: McpMessage['id']): Rejection {
    const now = Date.now();
    if (now - this.#inputFullLogged >= INPUT_FULL_LOG_INTERVAL_MS) {
      this.#inputFullLogged = now;
      this.#logger.warn('stdio server is not reading its input: requests are refused (503) until it catches up');
    }
    return new Rejection('STDIO_INPUT_FULL', id, { reason: 'stdio server is not reading its input (client traffic waiting for it is at its bound)' });
  }

  /** A client notification; a Rejection when the child's input is full (nothing is queued). */
  notification(session: Session, msg: McpMessage, body: Buffer): Rejection | undefined {
    if (this.#child.inputFull()) return this.#inputFull(undefined);
    if (msg.method === 'notifications/initialized') {
      // The child is one MCP session: it hears "initialized" once, whatever the client count.
      if (this.#init.initializedSent) return undefined;
      this.#init.initializedSent = true;
    } else if (msg.method === 'notifications/cancelled') {
      this.#clientCancelled(session, asLine(body));
      return undefined;
    }
    this.#child.send(asLine(body));
    return undefined;
  }

  /**
   * A client's answer to a server request (sampling, elicitation, roots). A Rejection when it
   * cannot be forwarded; the child's request then fails at once rather than wait forever.
   */
  response(session: Session, msg: McpMessage, body: Buffer): Rejection | undefined {
    const sc = this.#calls.serverCall(msg.id);
    if (!sc || sc.session !== session) {
      this.#logger.debug({ session: session.id, id: msg.id }, 'client answered a request it was not sent; dropped');
      return undefined;
    }
    this.#calls.removeServerCall(sc);
    const text = asLine(body);
    const parsed: unknown = JSON.parse(text);
    const line = isJsonObject(parsed) ? lineWithId(text, parsed, sc.childIdText) : undefined;
    const current = sc.generation === this.#child.generation; // else that child is gone
    if (line !== undefined) {
      if (current) this.#child.send(line);
      return undefined;
    }
    if (current) this.#child.send(errorLine(sc.childId, -32603, `the client's answer was ${TOO_DEEP}`));
    return new Rejection('INVALID_REQUEST', msg.id, { reason: `answer ${TOO_DEEP}` });
  }

  /** DELETE, or the legacy SSE stream closed: cancel what the session still waits for. */
  endSession(session: Session, reason: string): void {
    if (session.ended) return;
    this.sessions.remove(session);
    const generation = this.#child.generation;
    for (const call of this.#calls.callsOfSession(session)) {
      if (call.isInitialize) continue; // its result is still wanted for the cache
      this.#calls.removeCall(call);
      if (call.generation === generation) this.#child.send(cancelledLine(call.proxyId, reason));
      call.reply.fail(callRejection('NOT_FOUND', call, reason));
    }
    for (const sc of [...session.serverCalls]) {
      this.#calls.removeServerCall(sc);
      if (sc.generation === generation) this.#child.send(errorLine(sc.childId, -32603, reason));
    }
    session.end();
  }

  /** undefined (and nothing sent) when the params cannot be serialised for the child. */
  #send(session: Session, msg: McpMessage, body: Buffer, reply: Reply, isInitialize: boolean): ClientCall | undefined {
    const proxyId = this.#calls.nextId();
    const token = progressTokenOf(msg.params);
    // The client's own bytes with the proxy's id: the child executes what the chain judged.
    let request = clientRequestLine(body, proxyId, token !== undefined);
    if (request === undefined) {
      const line = childRequestLine(proxyId, msg.method!, msg.params);
      if (line === undefined) return undefined;
      request = { line, idText: JSON.stringify(msg.id ?? null), tokenText: token === undefined ? undefined : JSON.stringify(token) };
    }
    const line = request.line;
    const call: ClientCall = {
      proxyId,
      session,
      clientId: msg.id ?? null,
      clientIdText: request.idText,
      clientTokenText: request.tokenText,
      reply,
      generation: this.#child.generation,
      isInitialize,
    };
    this.#calls.addCall(call);
    this.#deadline.arm();
    reply.bind(call);
    this.#child.send(line);
    return call;
  }

  // ---- calls the child does not answer --------------------------------------------------------

  /**
   * Calls whose answer has not started by `now` (SPEC §6: an upstream silent past the header
   * timeout is answered 504): the client gets 504, the child is told to stop (never for
   * initialize, which MCP does not let a client cancel), and the call is forgotten, so an answer
   * that comes later is dropped (fromChild.ts). Started means the answer itself, or progress or
   * a server request about the call: after those the child is working on it, and as with an HTTP
   * upstream whose response head has come, there is no bound.
   */
  expireCalls(now: number): void {
    const overdue = this.#calls.overdue(now);
    if (overdue.length === 0) return;
    const reason = `stdio server did not start answering within ${this.#answerTimeoutMs} ms`;
    const generation = this.#child.generation;
    for (const call of overdue) {
      this.#calls.removeCall(call);
      // The next initialize is sent to the child again.
      if (call.isInitialize) this.#init.failed(call, 'UPSTREAM_TIMEOUT', reason);
      else {
        call.reply.fail(callRejection('UPSTREAM_TIMEOUT', call, reason));
        if (call.generation === generation) this.#child.send(cancelledLine(call.proxyId, reason));
      }
    }
    this.#logger.warn({ requests: overdue.length, timeoutMs: this.#answerTimeoutMs }, `${reason}: ${overdue.length} request(s) answered 504`);
  }

  /** The client's HTTP request went away: the child stops working on it. */
  cancel(call: ClientCall, reason: string): void {
    if (call.isInitialize || this.#calls.call(call.proxyId) !== call) return;
    this.#calls.removeCall(call);
    if (call.generation === this.#child.generation) this.#child.send(cancelledLine(call.proxyId, reason));
  }

  /**
   * The call is found by the client's id as written (an index, not a walk over the calls in
   * flight); the client's own notification goes to the child with only the requestId mapped.
   */
  #clientCancelled(session: Session, line: string): void {
    const idText = cancelledRequestIdText(line);
    const call = idText === undefined ? undefined : this.#calls.callByClientId(session, idText);
    if (!call || call.isInitialize) return;
    this.#calls.removeCall(call);
    this.#child.send(clientCancelledLine(line, call.proxyId) ?? cancelledLine(call.proxyId, 'cancelled by the client'));
    call.reply.abandon();
  }

  // ---- child lifecycle: readiness and shutdown ------------------------------------------------

  readonly onExit = (generation: number): void => {
    for (const call of this.#calls.callsOf(generation)) {
      this.#calls.removeCall(call);
      if (call.isInitialize) this.#init.failed(call, 'UPSTREAM_UNREACHABLE', 'stdio server exited');
      else call.reply.fail(callRejection('UPSTREAM_UNREACHABLE', call, 'stdio server exited'));
    }
    this.#calls.dropServerCalls(generation);
    this.#internal.failGeneration(generation, new Error('stdio server exited'));
  };

  /** A fresh child: probe it; after a restart, replay the first client's initialize. */
  readonly prepare = async (restart: boolean): Promise<void> => {
    if (!restart) {
      try {
        await this.#internalRequest('ping', undefined, PROBE_MS);
      } catch (err) {
        if (!(err instanceof InternalTimeout)) throw err;
        this.#logger.warn('stdio server did not answer a ping before initialize; serving anyway');
      }
      return;
    }
    if (!this.#init.initialized) return;
    const answer = await this.#internalRequest('initialize', this.#init.params, REPLAY_MS);
    if (!('result' in answer)) throw new Error(`initialize replay refused: ${JSON.stringify(answer['error'])}`);
    if (this.#init.initializedSent) this.#child.sendDirect(INITIALIZED_LINE);
    this.#logger.info('stdio server re-initialized after restart');
  };

  /** undefined when the child answers a ping in time, else why not (GET /ready). */
  async check(timeoutMs: number): Promise<string | undefined> {
    const state = this.#child.state;
    if (state !== 'ready') return state === 'stopped' ? 'stdio server stopped' : `stdio server is ${state}`;
    try {
      await this.#internalRequest('ping', undefined, timeoutMs);
      return undefined;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  /** Shutdown: whatever is still in flight gets 502, every stream ends. */
  closeAll(): void {
    this.#deadline.stop();
    for (const call of this.#calls.allCalls()) {
      this.#calls.removeCall(call);
      call.reply.fail(callRejection('UPSTREAM_UNREACHABLE', call, 'proxy shutting down'));
    }
    this.#init.failWaiters('proxy shutting down');
    this.#internal.failAll(new Error('proxy shutting down'));
    for (const session of [...this.sessions.all()]) {
      this.sessions.remove(session);
      session.end();
    }
  }

  #internalRequest(method: string, params: JsonObject | undefined, timeoutMs: number): Promise<JsonObject> {
    const id = this.#calls.nextId();
    // Only a ping (no params) or the initialize params that were serialised once already.
    const line = childRequestLine(id, method, params);
    if (line === undefined) return Promise.reject(new Error(`${method} params ${TOO_DEEP}`));
    const answer = this.#internal.wait(id, method, this.#child.generation, timeoutMs);
    this.#child.sendDirect(line);
    return answer;
  }
}
