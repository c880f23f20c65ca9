// ioredis answers two things it meets while setting up a connection with console.warn: a line on
// stderr outside the proxy's logs, at every connection, with no option or event for it.
// - AUTH that Redis did not need (or, with an ACL username, one Redis 5 cannot read)
//   (redis/event_handler.js); ioredis goes on without the password.
// - INFO refused with NOPERM in its ready check (Redis.js _readyCheck: an ACL user without
//   +info); ioredis skips the check: no wait while Redis loads its data, no check that the node
//   Sentinel named is the master. The check is worth keeping for users that may run INFO, so
//   `enableReadyCheck` stays on.
// ioredis sends both through the connection's own command with a callback; wrapping those
// commands on the connections the proxy opens hands the answers to the logger instead, and
// answers ioredis as its own fallback would go on (AUTH "OK"; INFO with no fields, which its
// ready check reads as "not loading", as its skip does). Nothing else changes. The proxy itself
// sends neither command. No global is touched: only these connections, and the ones ioredis
// duplicates from them (a Cluster refreshes its slot map every 5 s on a duplicate of a node's
// connection). The short connections ioredis opens to Sentinels are out of reach (they run no
// ready check).

import type { Redis } from 'ioredis';

export type ConnectionAdvice = 'password-not-needed' | 'username-not-supported' | 'info-not-permitted';

interface Routed {
  /** What ioredis's own fallback goes on with. */
  readonly answer: unknown;
  /** The errors ioredis only warns about, as it recognises them. */
  readonly errors: ReadonlyArray<readonly [string, ConnectionAdvice]>;
}

const ROUTED: Readonly<Record<'auth' | 'info', Routed>> = {
  auth: {
    answer: 'OK',
    errors: [
      ['no password is set', 'password-not-needed'], // Redis 5 and earlier
      ['without any password configured for the default user', 'password-not-needed'], // Redis 6+
      ["wrong number of arguments for 'auth' command", 'username-not-supported'], // an ACL user, Redis 5
    ],
  },
  info: { answer: '', errors: [['NOPERM', 'info-not-permitted']] },
};

type Callback = (err: Error | null | undefined, result?: unknown) => void;
type AnyCommand = (this: Redis, ...args: unknown[]) => unknown;

function wrap(connection: Redis, command: keyof typeof ROUTED, onAdvice: (advice: ConnectionAdvice) => void): void {
  const { answer, errors } = ROUTED[command];
  const original = connection[command] as unknown as AnyCommand;
  const wrapped: AnyCommand = function (...args) {
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (err: Error | null | undefined, result?: unknown): void => {
        const advice = err ? errors.find(([text]) => err.message.includes(text))?.[1] : undefined;
        if (advice === undefined) return (callback as Callback)(err, result);
        onAdvice(advice);
        return (callback as Callback)(null, answer);
      };
    }
    return original.apply(this, args);
  };
  (connection as unknown as Record<string, AnyCommand>)[command] = wrapped;
}

/** Wrap `auth` and `info` of `connection` (and its duplicates') so that what ioredis would print goes to `onAdvice`. */
export function routeConnectionAdvice(connection: Redis, onAdvice: (advice: ConnectionAdvice) => void): void {
  const duplicate = connection.duplicate;
  connection.duplicate = function (this: Redis, ...args: Parameters<Redis['duplicate']>): Redis {
    const copy = duplicate.apply(this, args);
    routeConnectionAdvice(copy, onAdvice);
    return copy;
  };
  wrap(connection, 'auth', onAdvice);
  wrap(connection, 'info', onAdvice);
}
