// Store-failure bookkeeping (SPEC §4): when the store cannot answer, the request goes through
// (fail-open, the default) or is refused with 503 (`--rate-limit-failure-mode closed`), is
// counted, and the operator hears about it in one warning per interval — never one line per
// request during an outage.

import type { Logger } from 'pino';

export interface FailOpenStats {
  /** Requests whose check failed since the process started: allowed unchecked, or refused (closed). */
  readonly count: number;
  /** Message of the latest store failure. */
  readonly lastCause: string | undefined;
}

export class FailOpenMeter implements FailOpenStats {
  count = 0;
  lastCause: string | undefined;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #now: () => number;
  /** Failures not yet reported in a log line. */
  #unreported = 0;
  #lastWarnMs = -Infinity;
  readonly #failing: string;
  readonly #since: string;

  constructor(logger: Logger, opts: { intervalMs?: number; now?: () => number; closed?: boolean } = {}) {
    this.#logger = logger;
    this.#intervalMs = opts.intervalMs ?? 10_000;
    this.#now = opts.now ?? Date.now;
    this.#failing = opts.closed
      ? 'rate limit check failed; refusing rate-limited requests with 503 (failure mode closed)'
      : 'rate limit check failed; allowing requests unchecked (fail-open)';
    this.#since = opts.closed
      ? 'rate limit checks succeed again; requests refused since the last warning counted'
      : 'rate limit checks succeed again; requests allowed unchecked since the last warning counted';
  }

  /** One request whose check failed (allowed, or refused in closed mode). */
  record(err: unknown): void {
    this.count++;
    this.#unreported++;
    this.lastCause = err instanceof Error ? err.message : String(err);
    const now = this.#now();
    if (now - this.#lastWarnMs < this.#intervalMs) return;
    this.#lastWarnMs = now;
    this.#logger.warn(
      { failOpen: this.#unreported, failOpenTotal: this.count, cause: this.lastCause },
      this.#failing,
    );
    this.#unreported = 0;
  }

  /** A check succeeded: report the failures the last warning did not count. Cheap when none. */
  recovered(): void {
    if (this.#unreported === 0) return;
    this.#logger.warn(
      { failOpen: this.#unreported, failOpenTotal: this.count },
      this.#since,
    );
    this.#unreported = 0;
  }
}
