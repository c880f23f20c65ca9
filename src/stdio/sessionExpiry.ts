// Idle-session expiry. Clients that crash never send DELETE, so without expiry their sessions
// would stay in memory until the proxy stops. One unref'd sweep timer for all sessions (not one
// timer per session, which would cost a timer reset on every request): a session with no open
// stream, no pending call and no activity for the idle timeout is ended; a later request with
// its id gets the 404 of an unknown session, and an MCP client then initializes again.

import type { Logger } from 'pino';
import type { Bridge } from './bridge.js';

/** Default idle timeout: 30 minutes. */
export const DEFAULT_SESSION_IDLE_TIMEOUT_MS = 30 * 60_000;

/** A quarter of the timeout, at most a minute: a session goes between timeout and timeout + 1 sweep. */
export function sweepIntervalMs(idleTimeoutMs: number): number {
  return Math.max(10, Math.min(60_000, Math.floor(idleTimeoutMs / 4)));
}

export class IdleSessionSweeper {
  readonly #bridge: Bridge;
  readonly #logger: Logger;
  readonly #idleTimeoutMs: number;
  #timer: NodeJS.Timeout | null = null;

  constructor(bridge: Bridge, logger: Logger, idleTimeoutMs: number) {
    this.#bridge = bridge;
    this.#logger = logger;
    this.#idleTimeoutMs = idleTimeoutMs;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(this.#sweep, sweepIntervalMs(this.#idleTimeoutMs));
    // Never the reason the process stays alive.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  readonly #sweep = (): void => {
    for (const session of this.#bridge.sessions.idle(this.#idleTimeoutMs)) {
      this.#bridge.endSession(session, 'session idle timeout');
      this.#logger.info({ session: session.id, kind: session.kind, idleTimeoutMs: this.#idleTimeoutMs }, 'stdio session expired after being idle');
    }
  };
}
