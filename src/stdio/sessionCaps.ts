// Session caps (SPEC §14): every `initialize` (or legacy `GET /sse`) opens a session, so without
// a cap one client could open hundreds a second and grow the proxy without bound. Sessions are
// capped globally and per client address. At a cap the idle session (no open stream, nothing
// pending either way) seen least recently is ended to make room — the client's own for its cap,
// anyone's for the global one — so a flood of `initialize` only recycles idle sessions and a
// client holding its GET stream is never disturbed; when none is idle, the new session is
// refused with 503.

import type { Logger } from 'pino';
import { Rejection, type JsonRpcId } from '../errors.js';
import type { Bridge } from './bridge.js';
import type { Session, SessionKind } from './sessions.js';

/** Default `--max-sessions` (SPEC §14). */
export const DEFAULT_MAX_SESSIONS = 1000;
/** Default `--max-sessions-per-client`: a tenth of the global cap, so one address cannot take them all. */
export const DEFAULT_MAX_SESSIONS_PER_CLIENT = 100;

export interface SessionCapLimits {
  /** Sessions open at once (`--max-sessions`). */
  readonly maxSessions: number;
  /** Sessions open at once per client address (`--max-sessions-per-client`). */
  readonly maxSessionsPerClient: number;
}

export class SessionCaps {
  readonly #bridge: Bridge;
  readonly #logger: Logger;
  readonly #limits: SessionCapLimits;

  constructor(bridge: Bridge, logger: Logger, limits: SessionCapLimits) {
    if (!(limits.maxSessions >= 1) || !(limits.maxSessionsPerClient >= 1)) throw new Error('session caps must be numbers greater than 0');
    this.#bridge = bridge;
    this.#logger = logger;
    this.#limits = limits;
  }

  /** A new session for `client`, or the 503 answering request `id` when no room can be made. */
  open(kind: SessionKind, client: string, id: JsonRpcId): Session | Rejection {
    const reg = this.#bridge.sessions;
    const { maxSessions, maxSessionsPerClient } = this.#limits;
    if (reg.countOf(client) >= maxSessionsPerClient && !this.#evictIdle(client, maxSessionsPerClient)) {
      return new Rejection('TOO_MANY_SESSIONS', id, { reason: `client ${client} has ${maxSessionsPerClient} sessions open, none idle (--max-sessions-per-client)` });
    }
    if (reg.size >= maxSessions && !this.#evictIdle(undefined, maxSessions)) {
      return new Rejection('TOO_MANY_SESSIONS', id, { reason: `${maxSessions} sessions open, none idle (--max-sessions)` });
    }
    return reg.open(kind, client);
  }

  #evictIdle(client: string | undefined, cap: number): boolean {
    const victim = this.#bridge.sessions.oldestIdle(client);
    if (!victim) return false;
    this.#bridge.endSession(victim, 'session evicted: session cap reached');
    this.#logger.info(
      { session: victim.id, client: victim.client, cap, scope: client === undefined ? 'global' : 'client' },
      'stdio session evicted to make room for a new one',
    );
    return true;
  }
}
