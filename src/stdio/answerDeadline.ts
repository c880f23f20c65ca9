// The bound on a call's wait for the child (SPEC §6: an upstream silent past the header timeout
// is answered 504, and stdio calls get the same). Each call in flight has a deadline in the call
// table (calls.ts); one timer, for the earliest of them, runs only while calls wait: not a timer
// per call (an allocation and a cancel per request), and none at all when nothing is in flight.

import { performance } from 'node:perf_hooks';
import type { CallTable } from './calls.js';

export class AnswerDeadline {
  readonly #calls: CallTable;
  readonly #expire: (now: number) => void;
  #timer: NodeJS.Timeout | null = null;

  /** `expire(now)` answers and forgets the calls whose deadline has passed (bridge.ts, expireCalls). */
  constructor(calls: CallTable, expire: (now: number) => void) {
    this.#calls = calls;
    this.#expire = expire;
  }

  /** A call was added: make sure a timer runs for the earliest deadline. */
  arm(): void {
    if (this.#timer !== null) return;
    const next = this.#calls.nextDeadline();
    if (next === Infinity) return;
    this.#timer = setTimeout(this.#onTimer, Math.max(0, next - performance.now()));
    // Never the reason the process stays alive.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  readonly #onTimer = (): void => {
    this.#timer = null;
    this.#expire(performance.now());
    this.arm();
  };
}
