// What the rest of thv-proxy needs from rate limiting. Scripts, keys and bucket arithmetic stay
// internal to this folder.

export {
  createRateLimitMiddleware,
  type RateLimitMiddleware,
  type RateLimitParams,
  type RateLimitDeps,
  type RateLimitBehaviour,
  type RateLimitCode,
  type RateLimitFailureMode,
} from './middleware.js';
export { createRedisStore, type RedisStore, type RedisStoreOptions } from './redisStore.js';
export { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from './memoryStore.js';
export type { FailOpenStats } from './failOpen.js';
export type { TokenBucketStore, BucketRef, BucketState, Decision } from './store.js';
