// The rate-limit stage module (src/chain/stage.ts): present when rate_limit_config is.
import type { StageModule } from '../chain/stage.js';
import type { Bucket, RateLimitConfig, RedisConfig } from '../config/types.js';
import { formatDuration } from '../config/duration.js';
import { createRateLimitMiddleware } from './middleware.js';

function bucket(b: Bucket): string {
  return `${b.maxTokens}/${formatDuration(b.refillPeriodMs)}`;
}

/** Where the buckets live, as validate prints it (never the password). */
function storeSummary(store: string, redis: RedisConfig | null): string {
  if (store !== 'redis' || redis === null) return store;
  const tls = redis.tls ? ', TLS' : '';
  const user = redis.username ? `, user ${redis.username}` : '';
  if (redis.topology === 'sentinel') {
    const sentinels = redis.sentinels.map((s) => `${s.host}:${s.port}`).join(' ');
    return `redis master "${redis.masterName}" via Sentinel ${sentinels}${tls}${user}`;
  }
  if (redis.topology === 'cluster') return `redis Cluster (seed ${redis.address})${tls}${user}`;
  return `redis ${redis.address} db ${redis.db}${tls}${user}`;
}

function summary(rl: RateLimitConfig, store: string): string {
  const parts: string[] = [];
  if (rl.shared) parts.push(`shared ${bucket(rl.shared)}`);
  for (const t of rl.tools.values()) {
    if (t.shared) parts.push(`tool:${t.name} ${bucket(t.shared)}`);
  }
  // Per user (the token's sub), in ToolHive's order after the shared buckets.
  if (rl.perUser) parts.push(`user ${bucket(rl.perUser)}`);
  for (const t of rl.tools.values()) {
    if (t.perUser) parts.push(`user-tool:${t.name} ${bucket(t.perUser)}`);
  }
  return `${parts.join(', ')}; tools/call only; store ${store}; namespace ${rl.namespace}`;
}

export const rateLimitStage: StageModule = {
  type: 'rate-limit',
  compile(config) {
    const rateLimit = config.rateLimit;
    if (rateLimit === null || rateLimit === undefined) return [];
    const params = { serverName: config.name, rateLimit };
    return [
      {
        type: 'rate-limit',
        name: 'rate-limit',
        summary: summary(rateLimit, storeSummary(config.store, config.redis)),
        create: (deps) => {
          // A plan with this stage is only ever built with a store (start.ts opens it first).
          if (!deps.store) throw new Error('rate-limit stage built without a token-bucket store');
          return createRateLimitMiddleware(params, { ...deps.rateLimit, store: deps.store, logger: deps.logger, mode: deps.rateLimitMode, telemetry: deps.telemetry });
        },
      },
    ];
  },
};
