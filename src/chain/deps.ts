// Opens what the chain depends on before it is built (SPEC §1: `run` and `dry-run` connect Redis
// with a ping bound, 5 s or session_redis.dial_timeout (SPEC §13); unreachable is exit 3). Kept
// apart from buildChain, which does no I/O.

import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/types.js';
import type { TokenBucketStore } from '../ratelimit/store.js';
import { createMemoryStore, createRedisStore, type RateLimitFailureMode } from '../ratelimit/index.js';
import { DEFAULT_DIAL_TIMEOUT_MS } from '../config/redisRules.js';

/** Startup bound of the Redis ping (SPEC §1) when dial_timeout does not set another. */
export const REDIS_CONNECT_TIMEOUT_MS = DEFAULT_DIAL_TIMEOUT_MS;

export interface OpenStoreOptions {
  /**
   * Bound of one rate-limit check (default: the store's 250 ms, SPEC §4); `--rate-limit-timeout`
   * sets it. dry-run raises it to 5 s by default: a one-off question deserves the real answer, not
   * fail-open because a loaded Redis took 300 ms.
   */
  readonly commandTimeoutMs?: number | undefined;
  /** `--rate-limit-failure-mode`: only changes what the "lost connection" log line says. */
  readonly failureMode?: RateLimitFailureMode | undefined;
}

/** What a Redis outage means for requests, in the words of the "lost connection" log line. */
function whileDown(mode: RateLimitFailureMode | undefined): string {
  return mode === 'closed' ? 'rate-limited requests are refused with 503 (failure mode closed)' : 'rate limits fail open';
}

/** The token-bucket store the config asks for, connected; null when nothing is rate limited. */
export async function openStore(config: ProxyConfig, logger: Logger, opts: OpenStoreOptions = {}): Promise<TokenBucketStore | null> {
  if (!config.rateLimit) return null;
  if (config.store === 'memory') {
    logger.info({ store: 'memory' }, 'rate limits kept in process memory (--store memory): they hold per process only');
    return createMemoryStore();
  }
  const redis = config.redis!;
  const store = createRedisStore(redis, {
    logger,
    whileDown: whileDown(opts.failureMode),
    ...(opts.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: opts.commandTimeoutMs }),
  });
  try {
    await store.connect(redis.dialTimeoutMs);
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  // Addresses and the user only: never the password.
  const how = [redis.tls === null ? '' : ', TLS', redis.username === undefined ? '' : `, user ${JSON.stringify(redis.username)}`].join('');
  logger.info({ store: 'redis', redis: store.address, topology: redis.topology }, `rate limits stored in ${store.label} (connected${how})`);
  return store;
}
