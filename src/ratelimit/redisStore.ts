// The Redis token-bucket store (SPEC §4): one EVALSHA per call, Redis TIME as the one clock of
// every replica, ToolHive's key and field layout. It fails fast and never queues: a command
// sent while Redis is away is rejected at once, one in flight is abandoned after
// `commandTimeoutMs`; the middleware turns either into fail-open. ioredis reconnects by itself
// forever, and the scripts are loaded again on every (re)connect, so limiting resumes alone.

import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { ThvError } from '../errors.js';
import type { RedisConfig } from '../config/types.js';
import type { BucketRef, BucketState, Decision, TokenBucketStore } from './store.js';
import { CONSUME_SCRIPT, PEEK_SCRIPT, type LuaScript } from './scripts.js';

export interface RedisStoreOptions {
  /** Bound of one rate-limit check; slower counts as a failure (fail-open). Default 250 ms. */
  readonly commandTimeoutMs?: number;
  readonly logger: Logger;
}

const ALLOWED: Decision = Object.freeze({ allowed: true, rejectedScope: undefined, retryAfterSeconds: 0, buckets: undefined });
/** Reconnect backoff: 50 ms doubling, capped at 2 s, forever. */
const MAX_BACKOFF_MS = 2000;
const ERROR_LOG_INTERVAL_MS = 10_000;
const CONNECT_ATTEMPTS = 5;
const AUTH_ERROR = /^(WRONGPASS|NOAUTH|ERR (invalid password|AUTH|Client sent AUTH))/;

/** Script arguments of one bucket list: KEYS then ARGV (see lua/consume.lua), as strings. */
function scriptArgs(buckets: readonly BucketRef[]): string[] {
  const args = buckets.map((b) => b.key);
  args.push(String(buckets.length));
  for (const b of buckets) args.push(String(b.maxTokens));
  // Tokens per second, printed exactly (ToolHive rounds it to 6 decimals).
  for (const b of buckets) args.push(String((b.maxTokens * 1000) / b.refillPeriodMs));
  for (const b of buckets) args.push(String(b.ttlSeconds));
  return args;
}

/** KEYS+ARGV of one bucket list, and the handlers of a consume reply (see #planFor). */
interface CheckPlan {
  readonly consume: string[];
  readonly withState: string[];
  readonly onReply: (reply: unknown) => Decision;
  readonly onError: (err: unknown) => Promise<Decision>;
  readonly onReplyWithState: (reply: unknown) => Decision;
  readonly onErrorWithState: (err: unknown) => Promise<Decision>;
}

function isNoScript(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('NOSCRIPT');
}

function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export class RedisStore implements TokenBucketStore {
  readonly kind = 'redis' as const;
  /** "host:port" — the only way messages name the server (never the password). */
  readonly address: string;
  readonly #client: Redis;
  readonly #logger: Logger;
  /** Per bucket list; the middleware passes the same frozen arrays every time. */
  readonly #plans = new WeakMap<readonly BucketRef[], CheckPlan>();
  #lastError: Error | undefined;
  #lastErrorLogMs = 0;
  #lost = false;

  constructor(cfg: RedisConfig, opts: RedisStoreOptions) {
    this.address = cfg.address;
    this.#logger = opts.logger;
    this.#client = new Redis({
      host: cfg.host,
      port: cfg.port,
      db: cfg.db,
      password: cfg.password,
      lazyConnect: true,
      // No queue: a check during an outage fails at once instead of piling up and hanging.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 250,
      connectTimeout: 2000,
      // disconnect() arms a ref'd timer of this length that only a later 'close' clears; after a
      // refused connection none comes, and the default 2 s would delay the exit 3 of SPEC §1.
      disconnectTimeout: 100,
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), MAX_BACKOFF_MS),
    });
    this.#client.on('error', (err: Error) => this.#onError(err));
    this.#client.on('close', () => {
      this.#lost = true;
    });
    this.#client.on('ready', () => this.#onReady());
  }

  #onError(err: Error): void {
    this.#lastError = err;
    const now = Date.now();
    if (now - this.#lastErrorLogMs < ERROR_LOG_INTERVAL_MS) return;
    this.#lastErrorLogMs = now;
    this.#logger.debug({ redis: this.address, cause: err.message }, 'Redis connection error');
  }

  #onReady(): void {
    if (this.#lost) {
      this.#lost = false;
      this.#logger.info({ redis: this.address }, 'Redis connection restored; rate limiting resumes');
    }
    // Loaded on every (re)connect: a restarted Redis has an empty script cache.
    for (const s of [CONSUME_SCRIPT, PEEK_SCRIPT]) {
      this.#client.script('LOAD', s.lua).catch(() => undefined);
    }
  }

  /**
   * Everything a bucket list's checks need, built on its first check and reused: the script
   * arguments and the reply handlers, so that a check allocates no closure.
   */
  #planFor(buckets: readonly BucketRef[]): CheckPlan {
    let plan = this.#plans.get(buckets);
    if (!plan) {
      const consume = scriptArgs(buckets);
      const withState = [...consume, '1'];
      const n = buckets.length;
      const allowedOrDecision = (reply: unknown): Decision => ((reply as unknown[])[0] === 0 ? ALLOWED : decision(buckets, reply as unknown[], false));
      const withStates = (reply: unknown): Decision => decision(buckets, reply as unknown[], true);
      plan = {
        consume,
        withState,
        onReply: allowedOrDecision,
        onError: (err: unknown) => this.#fallback(err, CONSUME_SCRIPT, n, consume).then(allowedOrDecision),
        onReplyWithState: withStates,
        onErrorWithState: (err: unknown) => this.#fallback(err, CONSUME_SCRIPT, n, withState).then(withStates),
      };
      this.#plans.set(buckets, plan);
    }
    return plan;
  }

  /** NOSCRIPT (SCRIPT FLUSH, failover): EVAL runs the script and loads it again. */
  #fallback(err: unknown, script: LuaScript, numKeys: number, args: string[]): Promise<unknown[]> {
    if (!isNoScript(err)) return Promise.reject(err);
    return this.#client.eval(script.lua, numKeys, ...args) as Promise<unknown[]>;
  }

  // Hot path: one EVALSHA and one .then with prebuilt handlers — no async function around it.
  consume(buckets: readonly BucketRef[], withState = false): Promise<Decision> {
    const plan = this.#planFor(buckets);
    if (withState) return this.#client.evalsha(CONSUME_SCRIPT.sha, buckets.length, ...plan.withState).then(plan.onReplyWithState, plan.onErrorWithState);
    return this.#client.evalsha(CONSUME_SCRIPT.sha, buckets.length, ...plan.consume).then(plan.onReply, plan.onError);
  }

  async peek(buckets: readonly BucketRef[]): Promise<Decision> {
    const args = this.#planFor(buckets);
    let reply: unknown[];
    try {
      reply = (await this.#client.evalsha(PEEK_SCRIPT.sha, buckets.length, ...args.consume)) as unknown[];
    } catch (err) {
      reply = await this.#fallback(err, PEEK_SCRIPT, buckets.length, args.consume);
    }
    return decision(buckets, reply, true);
  }

  async connect(timeoutMs = 5000): Promise<void> {
    try {
      await bounded(this.#readyAndPing(), timeoutMs, 'connect');
    } catch (err) {
      const cause = this.#lastError?.message ?? (err instanceof Error ? err.message : String(err));
      this.#client.disconnect();
      throw new ThvError('THV_ERR_REDIS_UNREACHABLE', `Redis at ${this.address} is unreachable: ${cause}`, undefined, {
        cause: err,
      });
    }
  }

  async #readyAndPing(): Promise<void> {
    if (this.#client.status === 'wait') {
      // Rejections of connect() are reported through 'error'; retries go on until our bound.
      this.#client.connect().catch(() => undefined);
    }
    if (this.#client.status !== 'ready') {
      await new Promise<void>((resolve, reject) => {
        const onReady = (): void => {
          this.#client.off('error', onError);
          resolve();
        };
        // Retrying cannot fix a wrong password: give up at once. A refused or failed connection
        // is retried a few times (~1 s of backoff, as ToolHive's client does) within the bound.
        let failures = 0;
        const onError = (err: Error): void => {
          if (!AUTH_ERROR.test(err.message) && ++failures < CONNECT_ATTEMPTS) return;
          this.#client.off('ready', onReady);
          this.#client.off('error', onError);
          reject(err);
        };
        this.#client.once('ready', onReady);
        this.#client.on('error', onError);
      });
    }
    // A wrong password or NOAUTH shows here, with Redis's own message.
    await this.#client.ping();
    await Promise.all([CONSUME_SCRIPT, PEEK_SCRIPT].map((s) => this.#client.script('LOAD', s.lua)));
  }

  async healthy(timeoutMs: number): Promise<boolean> {
    if (this.#client.status !== 'ready') return false;
    try {
      await bounded(this.#client.ping(), timeoutMs, 'ping');
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.#client.status === 'ready') {
      await bounded(this.#client.quit(), 1000, 'quit').catch(() => undefined);
    }
    this.#client.disconnect();
  }
}

function decision(buckets: readonly BucketRef[], reply: unknown[], withState: boolean): Decision {
  const reject = reply[0] as number;
  let states: BucketState[] | undefined;
  if (withState) {
    states = buckets.map((b, i) => ({ key: b.key, scope: b.scope, tokens: Number(reply[2 + i]), capacity: b.maxTokens }));
  }
  return {
    allowed: reject === 0,
    rejectedScope: reject === 0 ? undefined : buckets[reject - 1]!.scope,
    retryAfterSeconds: reply[1] as number,
    buckets: states,
  };
}

export function createRedisStore(cfg: RedisConfig, opts: RedisStoreOptions): RedisStore {
  return new RedisStore(cfg, opts);
}
