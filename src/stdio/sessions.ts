// Client sessions of the shared child. The child has one MCP session with the proxy; each HTTP
// client gets its own session id here, so the proxy knows where answers, server requests and
// notifications must go. A session's stream is the streamable-HTTP GET stream, or the legacy
// SSE transport's only stream.

import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ServerCall } from './calls.js';
import type { SseStream } from './sseStream.js';

export type SessionKind = 'streamable-http' | 'sse';

export class Session {
  readonly id: string = randomUUID();
  readonly kind: SessionKind;
  /** The client address that opened it (ctx.clientIp), for the per-client cap. */
  readonly client: string;
  /** Client requests in flight to the child (kept by CallTable, which has the calls themselves). */
  callCount = 0;
  /** Child requests waiting for this client's answer. */
  readonly serverCalls = new Set<ServerCall>();
  /** Order of the last request, to pick "the most recently active" session. */
  lastActive = 0;
  /** Monotonic ms of the last sign of life (any request, open stream, pending call); idle expiry. */
  lastSeenAt = performance.now();
  #stream: SseStream | null = null;
  /** Requests' answers that became SSE streams and are still open. */
  #answerStreams = 0;
  #ended = false;

  constructor(kind: SessionKind, client = '') {
    this.kind = kind;
    this.client = client;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get hasStream(): boolean {
    return this.#stream !== null && !this.#stream.closed;
  }

  /** Open SSE streams: the GET (or legacy) stream and the answers that became streams. */
  get streamCount(): number {
    return this.#answerStreams + (this.hasStream ? 1 : 0);
  }

  streamOpened(): void {
    this.#answerStreams++;
  }

  streamClosed(): void {
    this.#answerStreams--;
  }

  /** An open stream (GET, or the legacy SSE stream), or a call either way still unanswered. */
  get busy(): boolean {
    return this.hasStream || this.callCount > 0 || this.serverCalls.size > 0;
  }

  /** A new GET stream replaces an older one: one standalone stream per session. */
  attachStream(stream: SseStream): void {
    const old = this.#stream;
    this.#stream = stream;
    old?.end();
  }

  detachStream(stream: SseStream): void {
    if (this.#stream === stream) this.#stream = null;
    this.markSeen();
  }

  /** A stream or call just ended: the idle time counts from now. */
  markSeen(): void {
    this.lastSeenAt = performance.now();
  }

  /** Deliver an unrelated message on the session's stream; false when it has none. */
  push(line: string): boolean {
    return this.#stream !== null && this.#stream.send(line);
  }

  end(): void {
    this.#ended = true;
    const stream = this.#stream;
    this.#stream = null;
    stream?.end();
  }
}

export class SessionRegistry {
  readonly #sessions = new Map<string, Session>();
  /** Open sessions per client address (entries removed at zero). */
  readonly #perClient = new Map<string, number>();
  #activity = 0;

  /** Opens a session unconditionally; the caps are applied before (sessionCaps.ts). */
  open(kind: SessionKind, client = ''): Session {
    const session = new Session(kind, client);
    session.lastActive = ++this.#activity;
    this.#sessions.set(session.id, session);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    return session;
  }

  countOf(client: string): number {
    return this.#perClient.get(client) ?? 0;
  }

  /** The idle session (no stream, nothing pending) seen least recently, of `client` or of anyone. */
  oldestIdle(client?: string): Session | undefined {
    let best: Session | undefined;
    for (const s of this.#sessions.values()) {
      if (s.busy || (client !== undefined && s.client !== client)) continue;
      if (!best || s.lastSeenAt < best.lastSeenAt) best = s;
    }
    return best;
  }

  get(id: string): Session | undefined {
    return this.#sessions.get(id);
  }

  touch(session: Session): void {
    session.lastActive = ++this.#activity;
    session.lastSeenAt = performance.now();
  }

  /** Any message or stream from the client keeps it alive, without counting for server-request routing. */
  seen(session: Session): void {
    session.markSeen();
  }

  /** Sessions with nothing open or pending and no sign of life (request, stream or call end) for `idleMs`. */
  idle(idleMs: number, now: number = performance.now()): Session[] {
    const out: Session[] = [];
    for (const s of this.#sessions.values()) if (!s.busy && now - s.lastSeenAt >= idleMs) out.push(s);
    return out;
  }

  remove(session: Session): void {
    if (!this.#sessions.delete(session.id)) return;
    const n = (this.#perClient.get(session.client) ?? 1) - 1;
    if (n > 0) this.#perClient.set(session.client, n);
    else this.#perClient.delete(session.client);
  }

  get size(): number {
    return this.#sessions.size;
  }

  all(): IterableIterator<Session> {
    return this.#sessions.values();
  }

  /** The most recently active session that can receive an unrelated message. */
  mostRecentWithStream(): Session | undefined {
    let best: Session | undefined;
    for (const s of this.#sessions.values()) {
      if (s.hasStream && (!best || s.lastActive > best.lastActive)) best = s;
    }
    return best;
  }

  /** Notifications that concern everyone (list changes, logs, resource updates). */
  broadcast(line: string): void {
    for (const s of this.#sessions.values()) s.push(line);
  }
}
