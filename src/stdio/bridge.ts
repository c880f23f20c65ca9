// The router between many HTTP clients and one stdio child (docs/stdio.md). Client messages
// arrive already parsed by the chain (ctx.mcp); child messages are parsed once here. Ids and
// progress tokens are mapped by CallTable; the child is initialized once and later
// `initialize` requests are answered from its first result, which is also replayed to a
// restarted child so existing sessions keep working.

import type { Logger } from 'pino';
import { Rejection } from '../errors.js';
import type { McpMessage } from '../mcp/types.js';
import { CallTable, type ClientCall, type Reply } from './calls.js';
import { InternalRequests, InternalTimeout } from './internalRequests.js';
import { asLine, cancelledLine, childRequestLine, errorLine, isJsonObject, progressTokenOf, stringifyBounded, withId, withProgressToken } from './rewrite.js';
import { SessionRegistry, type Session } from './sessions.js';
import type { Supervisor, SupervisorHooks } from './supervisor.js';

type JsonObject = Record<string, unknown>;

const PROBE_MS = 5_000;
const REPLAY_MS = 30_000;
const INITIALIZED_LINE = '{"jsonrpc":"2.0","method":"notifications/initialized"}';

interface InitWaiter {
  readonly session: Session;
  readonly id: Exclude<McpMessage['id'], undefined>;
  readonly reply: Reply;
}

function resultLine(id: unknown, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
}

const TOO_DEEP = 'nested too deeply to forward';

/** Server requests (sampling, elicitation, roots) a session may leave unanswered (SPEC §14). */
export const DEFAULT_MAX_SERVER_REQUESTS_PER_SESSION = 32;

export class Bridge implements SupervisorHooks {
  readonly sessions = new SessionRegistry();
  readonly #calls = new CallTable();
  readonly #internal = new InternalRequests();
  readonly #logger: Logger;
  readonly #maxServerRequestsPerSession: number;
  #supervisor: Supervisor | null = null;
  /** The first client's initialize params, replayed to a restarted child. */
  #initParams: JsonObject | undefined;
  /** The child's initialize result as JSON text; null until the child was initialized. */
  #initResult: string | null = null;
  #initInFlight: ClientCall | null = null;
  #initWaiters: InitWaiter[] = [];
  #initializedSent = false;

  constructor(logger: Logger, maxServerRequestsPerSession = DEFAULT_MAX_SERVER_REQUESTS_PER_SESSION) {
    this.#logger = logger;
    this.#maxServerRequestsPerSession = maxServerRequestsPerSession;
  }

  attach(supervisor: Supervisor): void {
    this.#supervisor = supervisor;
  }

  get #child(): Supervisor {
    return this.#supervisor!;
  }

  // ---- from clients --------------------------------------------------------------------------

  /** A client request; a Rejection (nothing was sent, `reply` untouched) when it cannot be forwarded. */
  request(session: Session, msg: McpMessage, reply: Reply): Rejection | undefined {
    this.sessions.touch(session);
    if (msg.method === 'initialize') return this.#initialize(session, msg, reply);
    return this.#send(session, msg, reply, false) ? undefined : new Rejection('INVALID_REQUEST', msg.id, { reason: `params ${TOO_DEEP}` });
  }

  notification(session: Session, msg: McpMessage, body: Buffer): void {
    if (msg.method === 'notifications/initialized') {
      // The child is one MCP session: it hears "initialized" once, whatever the client count.
      if (this.#initializedSent) return;
      this.#initializedSent = true;
    } else if (msg.method === 'notifications/cancelled') {
      this.#clientCancelled(session, msg.params?.['requestId']);
      return;
    }
    this.#child.send(asLine(body));
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
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    const line = isJsonObject(parsed) ? withId(parsed, sc.childId) : undefined;
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
    for (const call of [...session.calls]) {
      if (call.isInitialize) continue; // its result is still wanted for the cache
      this.#calls.removeCall(call);
      if (call.generation === generation) this.#child.send(cancelledLine(call.proxyId, reason));
      call.reply.fail(new Rejection('NOT_FOUND', call.clientId, { reason }));
    }
    for (const sc of [...session.serverCalls]) {
      this.#calls.removeServerCall(sc);
      if (sc.generation === generation) this.#child.send(errorLine(sc.childId, -32603, reason));
    }
    session.end();
  }

  #initialize(session: Session, msg: McpMessage, reply: Reply): Rejection | undefined {
    const id = msg.id ?? null;
    if (this.#initResult !== null) reply.respond(resultLine(id, this.#initResult));
    else if (this.#initInFlight) this.#initWaiters.push({ session, id, reply });
    else {
      const call = this.#send(session, msg, reply, true);
      if (!call) return new Rejection('INVALID_REQUEST', msg.id, { reason: `params ${TOO_DEEP}` });
      this.#initParams = msg.params;
      this.#initInFlight = call;
    }
    return undefined;
  }

  /** undefined (and nothing sent) when the params cannot be serialised for the child. */
  #send(session: Session, msg: McpMessage, reply: Reply, isInitialize: boolean): ClientCall | undefined {
    const proxyId = this.#calls.nextId();
    const line = childRequestLine(proxyId, msg.method!, msg.params);
    if (line === undefined) return undefined;
    const call: ClientCall = {
      proxyId,
      session,
      clientId: msg.id ?? null,
      clientToken: progressTokenOf(msg.params),
      reply,
      generation: this.#child.generation,
      isInitialize,
    };
    this.#calls.addCall(call);
    reply.bind(call);
    this.#child.send(line);
    return call;
  }

  /** The client's HTTP request went away: the child stops working on it. */
  cancel(call: ClientCall, reason: string): void {
    if (call.isInitialize || this.#calls.call(call.proxyId) !== call) return;
    this.#calls.removeCall(call);
    if (call.generation === this.#child.generation) this.#child.send(cancelledLine(call.proxyId, reason));
  }

  #clientCancelled(session: Session, requestId: unknown): void {
    for (const call of session.calls) {
      if (call.clientId !== requestId || call.isInitialize) continue;
      this.#calls.removeCall(call);
      this.#child.send(cancelledLine(call.proxyId, 'cancelled by the client'));
      call.reply.abandon();
      return;
    }
  }

  // ---- from the child ------------------------------------------------------------------------

  readonly onLine = (line: string): void => {
    let msg: unknown;
    try {
      msg = JSON.parse(line);
    } catch {
      this.#logger.warn({ line: line.slice(0, 200) }, 'stdio server wrote a line that is not JSON; dropped');
      return;
    }
    if (!isJsonObject(msg)) return;
    const method = msg['method'];
    if (typeof method !== 'string') this.#childResponse(msg);
    else if (msg['id'] !== undefined && msg['id'] !== null) this.#serverRequest(msg);
    else this.#childNotification(method, msg, line);
  };

  #tooDeep(what: string, id: unknown): void {
    this.#logger.warn({ id }, `stdio server wrote a ${what} ${TOO_DEEP}; dropped`);
  }

  #childResponse(msg: JsonObject): void {
    const id = msg['id'];
    if (this.#internal.settle(id, msg)) return;
    const call = this.#calls.call(id);
    if (!call) {
      this.#logger.debug({ id }, 'stdio server answered a request no client waits for (cancelled or session ended)');
      return;
    }
    this.#calls.removeCall(call);
    if (call.isInitialize) {
      this.#initialized(call, msg);
      return;
    }
    const out = withId(msg, call.clientId);
    if (out !== undefined) call.reply.respond(out);
    else {
      this.#tooDeep('response', id);
      call.reply.fail(new Rejection('UPSTREAM_UNREACHABLE', call.clientId, { reason: `the stdio server's answer was ${TOO_DEEP}` }));
    }
  }

  #initialized(call: ClientCall, msg: JsonObject): void {
    this.#initInFlight = null;
    const waiters = this.#initWaiters;
    this.#initWaiters = [];
    if ('result' in msg) {
      const result = stringifyBounded(msg['result']);
      if (result !== undefined) {
        this.#initResult = result;
        call.reply.respond(resultLine(call.clientId, result));
        for (const w of waiters) w.reply.respond(resultLine(w.id, result));
        return;
      }
      this.#tooDeep('initialize result', msg['id']);
      const reason = `initialize result ${TOO_DEEP}`;
      call.reply.fail(new Rejection('UPSTREAM_UNREACHABLE', call.clientId, { reason }));
      this.sessions.remove(call.session);
      for (const w of waiters) {
        w.reply.fail(new Rejection('UPSTREAM_UNREACHABLE', w.id, { reason }));
        this.sessions.remove(w.session);
      }
      return;
    }
    // The child refused: every waiting client gets the refusal, and the next initialize tries again.
    const refusal = (id: unknown): string => withId(msg, id) ?? errorLine(id as string | number, -32603, `initialize refused (error ${TOO_DEEP})`);
    call.reply.respond(refusal(call.clientId));
    this.sessions.remove(call.session);
    for (const w of waiters) {
      w.reply.respond(refusal(w.id));
      this.sessions.remove(w.session);
    }
  }

  /**
   * A request from the child (sampling, elicitation, roots). stdio carries no hint of which
   * client request caused it, so it goes to the client whose request started last and is
   * still in flight — on that request's own SSE stream when it has one — else to the most
   * recently active session's GET stream.
   */
  #serverRequest(msg: JsonObject): void {
    const childId = msg['id'] as string | number;
    const call = this.#calls.latestCall();
    const session = call?.session ?? this.sessions.mostRecentWithStream();
    if (!session) {
      this.#child.send(errorLine(childId, -32603, 'no client is connected to answer this request'));
      return;
    }
    if (session.serverCalls.size >= this.#maxServerRequestsPerSession) {
      this.#logger.warn({ session: session.id, pending: session.serverCalls.size }, 'stdio server request refused: the client has too many unanswered');
      this.#child.send(errorLine(childId, -32603, 'the client has too many requests from the server unanswered'));
      return;
    }
    const sc = { clientFacingId: this.#calls.nextId(), childId, session, generation: this.#child.generation };
    const out = withId(msg, sc.clientFacingId);
    if (out === undefined) {
      this.#tooDeep('request', childId);
      this.#child.send(errorLine(childId, -32603, `request ${TOO_DEEP}`));
      return;
    }
    this.#calls.addServerCall(sc);
    if ((call && call.reply.related(out)) || session.push(out)) return;
    this.#calls.removeServerCall(sc);
    this.#child.send(errorLine(childId, -32603, 'the client has no open stream to receive this request'));
  }

  #childNotification(method: string, msg: JsonObject, line: string): void {
    const params = msg['params'];
    if (method === 'notifications/progress') {
      const call = this.#calls.call(isJsonObject(params) ? params['progressToken'] : undefined);
      if (!call) return;
      const out = withProgressToken(msg, call.clientToken);
      if (out === undefined) this.#tooDeep('progress notification', undefined);
      else if (!call.reply.related(out)) call.session.push(out);
      return;
    }
    if (method === 'notifications/cancelled' && isJsonObject(params)) {
      const sc = this.#calls.serverCallByChildId(params['requestId']);
      if (!sc) return;
      this.#calls.removeServerCall(sc);
      params['requestId'] = sc.clientFacingId;
      const out = stringifyBounded(msg);
      if (out === undefined) this.#tooDeep('cancellation', undefined);
      else sc.session.push(out);
      return;
    }
    this.sessions.broadcast(line);
  }

  // ---- child lifecycle -----------------------------------------------------------------------

  readonly onExit = (generation: number): void => {
    for (const call of this.#calls.callsOf(generation)) {
      this.#calls.removeCall(call);
      call.reply.fail(new Rejection('UPSTREAM_UNREACHABLE', call.clientId, { reason: 'stdio server exited' }));
      if (call.isInitialize) this.#failInitWaiters('stdio server exited');
    }
    this.#calls.dropServerCalls(generation);
    this.#internal.failGeneration(generation, new Error('stdio server exited'));
  };

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
    if (this.#initResult === null) return;
    const answer = await this.#internalRequest('initialize', this.#initParams, REPLAY_MS);
    if (!('result' in answer)) throw new Error(`initialize replay refused: ${JSON.stringify(answer['error'])}`);
    if (this.#initializedSent) this.#child.sendDirect(INITIALIZED_LINE);
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
    for (const call of this.#calls.allCalls()) {
      this.#calls.removeCall(call);
      call.reply.fail(new Rejection('UPSTREAM_UNREACHABLE', call.clientId, { reason: 'proxy shutting down' }));
    }
    this.#failInitWaiters('proxy shutting down');
    this.#internal.failAll(new Error('proxy shutting down'));
    for (const session of [...this.sessions.all()]) {
      this.sessions.remove(session);
      session.end();
    }
  }

  #failInitWaiters(reason: string): void {
    this.#initInFlight = null;
    const waiters = this.#initWaiters;
    this.#initWaiters = [];
    for (const w of waiters) w.reply.fail(new Rejection('UPSTREAM_UNREACHABLE', w.id, { reason }));
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
