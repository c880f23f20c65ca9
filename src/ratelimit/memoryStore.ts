// The in-process token-bucket store (`--store memory`): the semantics of lua/consume.lua with a
// monotonic clock, for a proxy that runs without Redis (limits then hold per process only).
// Atomic by construction: a decision runs synchronously, so no other call interleaves.
// Memory is bounded like Redis expiry bounds it: a bucket untouched for its TTL is forgotten
// (lazily when next read, and by a sweep on an unref'd timer).

import type { BucketRef, BucketState, Decision, TokenBucketStore } from './store.js';
import { ratePerMicro, refill, retryAfterSeconds } from './tokenBucket.js';

interface Entry {
  tokens: number;
  lastUs: number;
  expiresUs: number;
}

export interface MemoryStoreOptions {
  /** Microseconds from a monotonic source; tests inject a fake. Default performance.now(). */
  readonly nowUs?: () => number;
  /** How often idle buckets are swept. Default 60 s. */
  readonly sweepIntervalMs?: number;
}

const ALLOWED: Decision = Object.freeze({ allowed: true, rejectedScope: undefined, retryAfterSeconds: 0, buckets: undefined });

function monotonicUs(): number {
  return performance.now() * 1000;
}

export class MemoryStore implements TokenBucketStore {
  readonly kind = 'memory' as const;
  readonly #buckets = new Map<string, Entry>();
  readonly #now: () => number;
  readonly #sweep: NodeJS.Timeout;
  /** Refilled tokens per bucket of the current decision, reused between calls. */
  #scratch: number[] = [];

  constructor(opts: MemoryStoreOptions = {}) {
    this.#now = opts.nowUs ?? monotonicUs;
    this.#sweep = setInterval(() => this.sweep(), opts.sweepIntervalMs ?? 60_000);
    this.#sweep.unref();
  }

  /** Number of buckets held (for tests and metrics). */
  get size(): number {
    return this.#buckets.size;
  }

  /** A bucket's stored state (tests, debugging): what HGETALL shows in Redis. */
  inspect(key: string): { readonly tokens: number; readonly lastUs: number } | undefined {
    const e = this.#buckets.get(key);
    return e && { tokens: e.tokens, lastUs: e.lastUs };
  }

  /** Forget every bucket whose TTL ran out, as Redis EXPIRE would. */
  sweep(): void {
    const now = this.#now();
    for (const [key, e] of this.#buckets) if (e.expiresUs <= now) this.#buckets.delete(key);
  }

  #refilled(b: BucketRef, now: number): number {
    const e = this.#buckets.get(b.key);
    if (e === undefined || e.expiresUs <= now) return b.maxTokens;
    return refill(e.tokens, e.lastUs, now, b.maxTokens, ratePerMicro(b.maxTokens, b.refillPeriodMs));
  }

  #decide(buckets: readonly BucketRef[], write: boolean, take: boolean, withState: boolean): Decision {
    const now = this.#now();
    const tokens = this.#scratch;
    let reject = -1;
    for (let i = 0; i < buckets.length; i++) {
      const t = this.#refilled(buckets[i]!, now);
      tokens[i] = t;
      if (reject < 0 && t < 1) reject = i;
    }
    const consumed = take && reject < 0;
    for (let i = 0; i < buckets.length; i++) {
      if (consumed) tokens[i] = tokens[i]! - 1;
      if (write) this.#write(buckets[i]!, tokens[i]!, now);
    }
    if (reject < 0 && !withState) return ALLOWED;
    let states: BucketState[] | undefined;
    if (withState) states = buckets.map((b, i) => ({ key: b.key, scope: b.scope, tokens: tokens[i]!, capacity: b.maxTokens }));
    const rejected = reject < 0 ? undefined : buckets[reject]!;
    return {
      allowed: rejected === undefined,
      rejectedScope: rejected?.scope,
      retryAfterSeconds: rejected ? retryAfterSeconds(tokens[reject]!, ratePerMicro(rejected.maxTokens, rejected.refillPeriodMs)) : 0,
      buckets: states,
    };
  }

  #write(b: BucketRef, tokens: number, now: number): void {
    const expiresUs = now + b.ttlSeconds * 1e6;
    const e = this.#buckets.get(b.key);
    if (e === undefined) {
      this.#buckets.set(b.key, { tokens, lastUs: now, expiresUs });
    } else {
      e.tokens = tokens;
      e.lastUs = now;
      e.expiresUs = expiresUs;
    }
  }

  consume(buckets: readonly BucketRef[], withState = false): Promise<Decision> {
    return Promise.resolve(this.#decide(buckets, true, true, withState));
  }

  peek(buckets: readonly BucketRef[]): Promise<Decision> {
    return Promise.resolve(this.#decide(buckets, false, false, true));
  }

  connect(): Promise<void> {
    return Promise.resolve();
  }

  healthy(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#buckets.clear();
    return Promise.resolve();
  }
}

export function createMemoryStore(opts?: MemoryStoreOptions): MemoryStore {
  return new MemoryStore(opts);
}
