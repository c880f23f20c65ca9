// The bound on waiting for a dependency (Redis, a validating webhook) that counts only time the
// event loop was free to hear the answer (SPEC §4: only a real failure fails open, never the
// proxy's own loop being late, which a client can provoke with parse-heavy bodies).
//
// A plain setTimeout cannot tell the two apart: a timer falls due while a callback blocks the
// loop, and when the loop comes back the timers phase runs before the poll phase that would have
// read the answer — long since waiting in the socket. So:
// - the bound is waited in slices; a slice that fires late counts only its scheduled length, so
//   time the loop was blocked (or the process descheduled) is not charged to the dependency;
// - when the slices add up to the bound, one setImmediate lets the poll phase deliver whatever
//   arrived before the deadline is declared missed.
// A dependency that really does not answer still expires after the bound plus the loop's own
// delays (at most one per slice), so an outage never makes a request hang.

/** The bound is waited in this many slices: each can discount one stretch of a blocked loop. */
const SLICES = 4;
/** No slice shorter than this: Node's timers have millisecond resolution. */
const MIN_SLICE_MS = 1;

/**
 * Calls `onExpire(arg)` once, after `ms` of free event-loop time and one I/O poll, unless
 * `clear()` came first. `onExpire` and `arg` let a caller pass a prebuilt function and value
 * (a promise's `reject` and a shared error) instead of a closure per wait.
 */
export class LoopDeadline<A> {
  readonly #onExpire: (arg: A) => void;
  readonly #arg: A;
  readonly #slice: number;
  /** Free milliseconds still to wait. */
  #left: number;
  /** Length of the slice now armed. */
  #armed = 0;
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(ms: number, onExpire: (arg: A) => void, arg: A) {
    this.#onExpire = onExpire;
    this.#arg = arg;
    this.#left = ms;
    this.#slice = Math.max(ms / SLICES, MIN_SLICE_MS);
    this.#arm();
  }

  /** The answer came (or the wait is abandoned): `onExpire` will not be called. */
  clear(): void {
    this.#done = true;
    clearTimeout(this.#timer);
  }

  #arm(): void {
    this.#armed = Math.min(this.#left, this.#slice);
    this.#timer = setTimeout(LoopDeadline.#tick, this.#armed, this);
  }

  static #tick<A>(d: LoopDeadline<A>): void {
    if (d.#done) return;
    // The slice's scheduled length was free time; any lateness beyond it was the loop's own.
    d.#left -= d.#armed;
    if (d.#left > 1e-3) {
      d.#arm();
      return;
    }
    // Timers run before the poll phase: give an answer already in the socket its chance.
    setImmediate(LoopDeadline.#expire, d);
  }

  static #expire<A>(d: LoopDeadline<A>): void {
    if (d.#done) return;
    d.#done = true;
    d.#onExpire(d.#arg);
  }
}

/**
 * `promise`, or a rejection with `timeoutError` once `ms` of free loop time passed without it
 * settling. The timeout error is the caller's, built once: an outage captures no stack per wait.
 */
export function withinLoopDeadline<T>(promise: Promise<T>, ms: number, timeoutError: Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const deadline = new LoopDeadline(ms, reject, timeoutError);
    promise.then(
      (value) => {
        deadline.clear();
        resolve(value);
      },
      (err: unknown) => {
        deadline.clear();
        reject(err);
      },
    );
  });
}
