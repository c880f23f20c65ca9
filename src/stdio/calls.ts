// Id mapping between many clients and one child. Every client request gets a proxy-unique
// numeric id towards the child (two clients both sending id 1 must not collide), and that same
// number replaces the request's progress token, so a progress notification names its request
// directly. Requests from the child to a client get a proxy-unique id towards the client, so an
// answer can be checked against the session it was sent to and carried back with the child's
// own id.

import { performance } from 'node:perf_hooks';
import { Rejection, type JsonRpcId, type RejectionKind } from '../errors.js';
import type { Session } from './sessions.js';

/** Where the messages about one client request go. */
export interface Reply {
  /** A message related to the request (progress, server request); false when this reply cannot carry it. */
  related(line: string): boolean;
  /** The final response; ends the reply. */
  respond(line: string): void;
  /** The proxy answers instead of the child (502 when the child died). */
  fail(rejection: Rejection): void;
  /** The client gave up (cancelled): end without an answer. */
  abandon(): void;
  /** Told which call it answers, so a client that goes away can cancel it. */
  bind(call: ClientCall): void;
}

export interface ClientCall {
  readonly proxyId: number;
  readonly session: Session;
  readonly clientId: Exclude<JsonRpcId, undefined>;
  /** The client's id as it wrote it (JSON text), put back into the child's answer. */
  readonly clientIdText: string;
  /** The progress token as the client wrote it, restored on progress notifications; undefined when none. */
  readonly clientTokenText: string | undefined;
  readonly reply: Reply;
  /** The child lifetime the request was sent to (supervisor generation). */
  readonly generation: number;
  readonly isInitialize: boolean;
}

export interface ServerCall {
  /** The id the client sees. */
  readonly clientFacingId: number;
  /** The id the child sent and expects back. */
  readonly childId: string | number;
  /** That id as the child wrote it (JSON text), put back into the client's answer. */
  readonly childIdText: string;
  readonly session: Session;
  readonly generation: number;
}

/**
 * The key of a client's call by its own id: the id's text as the client wrote it, so ids a double
 * cannot tell apart (9007199254740993 and ...992) stay apart, as they do on the way back.
 */
function clientKey(session: Session, idText: string): string {
  return `${session.id} ${idText}`;
}

/**
 * The client calls in flight sit in slots, reused once their call ends, and the Map from proxy id
 * to call holds slot numbers, not calls. Not a Map of calls (nor a Set per session), on purpose:
 * with an add and a delete per call V8 rehashes such a table every few dozen calls and keeps each
 * obsolete table, entries included, linked to its successor; once a major GC has moved the table
 * to the old generation those obsolete tables keep finished calls — and the reply, request and
 * response they reach — alive through every scavenge (src/server/inFlight.ts, the same defect in
 * the HTTP server; test/regression/stdio-finished-calls-are-not-retained.test.ts). Obsolete
 * tables of small integers keep nothing alive; a freed slot is cleared at once.
 *
 * Each slot also has a deadline (monotonic ms): the time by which the child must have started
 * answering the call (bridge.ts, expireCalls); Infinity once it has.
 */
export class CallTable {
  #nextId = 1;
  readonly #answerTimeoutMs: number;
  readonly #slots: (ClientCall | null)[] = [];
  readonly #deadlines: number[] = [];
  readonly #freeSlots: number[] = [];
  /** proxy id -> slot. */
  readonly #slotOf = new Map<number, number>();
  /** session id + client id text -> slot: a client's notifications/cancelled names its own id. */
  readonly #slotOfClientId = new Map<string, number>();
  readonly #serverCalls = new Map<number, ServerCall>();
  readonly #serverCallsByChildId = new Map<string | number, ServerCall>();

  /** `answerTimeoutMs`: how long a call may wait for the start of its answer (default: no bound). */
  constructor(answerTimeoutMs = Infinity) {
    this.#answerTimeoutMs = answerTimeoutMs;
  }

  /** Proxy-unique, increasing: also the order in which requests started. */
  nextId(): number {
    return this.#nextId++;
  }

  addCall(call: ClientCall): void {
    if (this.#slotOf.has(call.proxyId)) return;
    const slot = this.#freeSlots.pop() ?? this.#slots.length;
    this.#slots[slot] = call;
    this.#deadlines[slot] = performance.now() + this.#answerTimeoutMs;
    this.#slotOf.set(call.proxyId, slot);
    // MCP forbids a client to reuse an id within its session; should one do it, the first call keeps it.
    const key = clientKey(call.session, call.clientIdText);
    if (!this.#slotOfClientId.has(key)) this.#slotOfClientId.set(key, slot);
    call.session.callCount++;
  }

  /** The call a child response or progress token names, without removing it. */
  call(proxyId: unknown): ClientCall | undefined {
    if (typeof proxyId !== 'number') return undefined;
    const slot = this.#slotOf.get(proxyId);
    return slot === undefined ? undefined : (this.#slots[slot] ?? undefined);
  }

  /** The call in flight that `session` knows by `idText` (its id, as the client wrote it). */
  callByClientId(session: Session, idText: string): ClientCall | undefined {
    const slot = this.#slotOfClientId.get(clientKey(session, idText));
    return slot === undefined ? undefined : (this.#slots[slot] ?? undefined);
  }

  removeCall(call: ClientCall): void {
    const slot = this.#slotOf.get(call.proxyId);
    if (slot === undefined || this.#slots[slot] !== call) return;
    this.#slots[slot] = null;
    this.#freeSlots.push(slot);
    this.#slotOf.delete(call.proxyId);
    const key = clientKey(call.session, call.clientIdText);
    if (this.#slotOfClientId.get(key) === slot) this.#slotOfClientId.delete(key);
    call.session.callCount--;
    call.session.markSeen(); // idle time counts from the answer, not from the request
  }

  /** The child wrote something about the call (progress, a server request): its answer has started, no deadline. */
  answerStarted(call: ClientCall): void {
    const slot = this.#slotOf.get(call.proxyId);
    if (slot !== undefined && this.#slots[slot] === call) this.#deadlines[slot] = Infinity;
  }

  /** A server request went to `session`: stdio does not say for which of its calls, so for all of them. */
  answerStartedInSession(session: Session): void {
    for (let slot = 0; slot < this.#slots.length; slot++) if (this.#slots[slot]?.session === session) this.#deadlines[slot] = Infinity;
  }

  /** The calls whose answer has not started by `now`, in the order they started. */
  overdue(now: number): ClientCall[] {
    const out: ClientCall[] = [];
    for (let slot = 0; slot < this.#slots.length; slot++) {
      const call = this.#slots[slot];
      if (call !== null && call !== undefined && this.#deadlines[slot]! <= now) out.push(call);
    }
    return out.sort((a, b) => a.proxyId - b.proxyId);
  }

  /** The earliest deadline of the calls in flight; Infinity when none has one. */
  nextDeadline(): number {
    let next = Infinity;
    for (let slot = 0; slot < this.#slots.length; slot++) if (this.#slots[slot] !== null && this.#deadlines[slot]! < next) next = this.#deadlines[slot]!;
    return next;
  }

  /**
   * The client request that started last and is still in flight, and whether calls of more than
   * one session are in flight (then nothing says which client a server request is for).
   */
  latestCall(): { readonly call: ClientCall | undefined; readonly sessions: 'none' | 'one' | 'several' } {
    let latest: ClientCall | undefined;
    let several = false;
    for (const call of this.#slots) {
      if (call === null) continue;
      if (latest !== undefined && call.session !== latest.session) several = true;
      if (latest === undefined || call.proxyId > latest.proxyId) latest = call;
    }
    return { call: latest, sessions: latest === undefined ? 'none' : several ? 'several' : 'one' };
  }

  /** The calls in flight that `keep` selects, in the order they started. */
  #select(keep: (call: ClientCall) => boolean): ClientCall[] {
    const out: ClientCall[] = [];
    for (const call of this.#slots) if (call !== null && keep(call)) out.push(call);
    return out.sort((a, b) => a.proxyId - b.proxyId);
  }

  callsOf(generation: number): ClientCall[] {
    return this.#select((call) => call.generation === generation);
  }

  callsOfSession(session: Session): ClientCall[] {
    return this.#select((call) => call.session === session);
  }

  allCalls(): ClientCall[] {
    return this.#select(() => true);
  }

  addServerCall(sc: ServerCall): void {
    this.#serverCalls.set(sc.clientFacingId, sc);
    this.#serverCallsByChildId.set(sc.childId, sc);
    sc.session.serverCalls.add(sc);
  }

  serverCall(clientFacingId: unknown): ServerCall | undefined {
    return typeof clientFacingId === 'number' ? this.#serverCalls.get(clientFacingId) : undefined;
  }

  serverCallByChildId(childId: unknown): ServerCall | undefined {
    return typeof childId === 'number' || typeof childId === 'string' ? this.#serverCallsByChildId.get(childId) : undefined;
  }

  removeServerCall(sc: ServerCall): void {
    this.#serverCalls.delete(sc.clientFacingId);
    if (this.#serverCallsByChildId.get(sc.childId) === sc) this.#serverCallsByChildId.delete(sc.childId);
    sc.session.serverCalls.delete(sc);
    sc.session.markSeen();
  }

  /** Forget the server requests of a child that is gone: their ids mean nothing to the next one. */
  dropServerCalls(generation: number): void {
    for (const sc of this.#serverCalls.values()) if (sc.generation === generation) this.removeServerCall(sc);
  }

  get size(): number {
    return this.#slotOf.size;
  }
}

/** The proxy's own error answering `call`, with the client's id as it wrote it (SPEC §7). */
export function callRejection(kind: RejectionKind, call: ClientCall, reason: string): Rejection {
  return new Rejection(kind, call.clientId, { reason }).withIdText(call.clientIdText);
}
