// ioredis answers an AUTH that Redis did not need (or, with an ACL username, one Redis 5 cannot
// read) with console.warn (ioredis redis/event_handler.js): a line on stderr outside the proxy's
// logs, at every connection, and ioredis has no option or event for it. It sends that AUTH from
// its connect handler through the connection's own `auth` command with a callback; wrapping
// `auth` on the connections the proxy opens hands those answers to the logger instead, and
// nothing else changes: ioredis treats them as no failure either, and the connection goes on
// without the password. No global is touched: only these connections, and the ones ioredis
// duplicates from them (a Cluster refreshes its slot map every 5 s on a duplicate of a node's
// connection). The short connections ioredis opens to Sentinels are out of reach.

import type { Redis } from 'ioredis';

export type AuthAdvice = 'password-not-needed' | 'username-not-supported';

/** The errors ioredis only warns about, as it recognises them. */
const ADVICE: ReadonlyArray<readonly [string, AuthAdvice]> = [
  ['no password is set', 'password-not-needed'], // Redis 5 and earlier
  ['without any password configured for the default user', 'password-not-needed'], // Redis 6+
  ["wrong number of arguments for 'auth' command", 'username-not-supported'], // an ACL user, Redis 5
];

type Callback = (err: Error | null | undefined, result?: unknown) => void;
type AnyCommand = (this: Redis, ...args: unknown[]) => unknown;

/** Wrap `connection.auth` (and its duplicates') so that the answers ioredis would print go to `onAdvice`. */
export function routeAuthAdvice(connection: Redis, onAdvice: (advice: AuthAdvice) => void): void {
  const duplicate = connection.duplicate;
  connection.duplicate = function (this: Redis, ...args: Parameters<Redis['duplicate']>): Redis {
    const copy = duplicate.apply(this, args);
    routeAuthAdvice(copy, onAdvice);
    return copy;
  };
  const auth = connection.auth as unknown as AnyCommand;
  const wrapped: AnyCommand = function (...args) {
    const callback = args.at(-1);
    if (typeof callback === 'function') {
      args[args.length - 1] = (err: Error | null | undefined, result?: unknown): void => {
        const advice = err ? ADVICE.find(([text]) => err.message.includes(text))?.[1] : undefined;
        if (advice === undefined) return (callback as Callback)(err, result);
        onAdvice(advice);
        return (callback as Callback)(null, 'OK');
      };
    }
    return auth.apply(this, args);
  };
  (connection as unknown as { auth: AnyCommand }).auth = wrapped;
}
