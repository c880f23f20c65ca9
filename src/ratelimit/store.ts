// The token-bucket store contract shared by the Redis store and the in-process memory store
// (SPEC §4). The middleware never knows which one it talks to.

/** One bucket a call must pass. Built at startup per tool, so the hot path allocates none. */
export interface BucketRef {
  /** Full Redis key, e.g. `thv:rl:{default:github}:shared:tool:search`. */
  readonly key: string;
  /** Scope reported to clients: "shared", "tool:<name>", "user", "user-tool:<name>". */
  readonly scope: string;
  readonly maxTokens: number;
  readonly refillPeriodMs: number;
  /** ceil(2 * refillPeriod seconds), the EXPIRE of every written key. */
  readonly ttlSeconds: number;
}

/** The state of one bucket after refill (and after consumption when it was consumed). */
export interface BucketState {
  readonly key: string;
  readonly scope: string;
  /** Tokens now (fractional). */
  readonly tokens: number;
  readonly capacity: number;
}

export interface Decision {
  readonly allowed: boolean;
  /** Scope of the first bucket holding < 1 token; undefined when allowed. */
  readonly rejectedScope: string | undefined;
  /** Whole seconds until the rejecting bucket holds one token (>= 1); 0 when allowed. */
  readonly retryAfterSeconds: number;
  /** Per-bucket state; filled by peek() always, by consume() only when asked (dry-run --consume). */
  readonly buckets: readonly BucketState[] | undefined;
}

export interface TokenBucketStore {
  readonly kind: 'redis' | 'memory';
  /** Atomically: one token from every bucket, or none from any. One round trip. */
  consume(buckets: readonly BucketRef[], withState?: boolean): Promise<Decision>;
  /** Read the refilled state without writing anything (dry-run). */
  peek(buckets: readonly BucketRef[]): Promise<Decision>;
  /** Startup check (SPEC §1: 5 s bound, exit 3). Resolves or rejects with a ThvError. */
  connect(timeoutMs: number): Promise<void>;
  /** For /ready: resolves true when the store answers within the bound. */
  healthy(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}
