// Redis key layout of SPEC §4, identical to ToolHive's so replicas of both share buckets.
// The `{namespace:name}` hash tag keeps one server's keys on one Redis Cluster slot.
//
// `scaling_config.session_redis.key_prefix` is deliberately NOT applied: in ToolHive it
// prefixes session-storage keys only, and a prefix here would split the buckets between a
// ToolHive replica and a thv-proxy replica of the same server.

import type { Bucket } from '../config/types.js';
import type { BucketRef } from './store.js';

function prefix(namespace: string, serverName: string): string {
  return `thv:rl:{${namespace}:${serverName}}:`;
}

export function sharedKey(namespace: string, serverName: string): string {
  return `${prefix(namespace, serverName)}shared`;
}

export function toolKey(namespace: string, serverName: string, tool: string): string {
  return `${prefix(namespace, serverName)}shared:tool:${tool}`;
}

/** Per-user buckets (SPEC §4): `userId` is the token's `sub`, raw, as ToolHive keys it. */
export function userKey(namespace: string, serverName: string, userId: string): string {
  return `${prefix(namespace, serverName)}user:${userId}`;
}

export function userToolKey(namespace: string, serverName: string, tool: string, userId: string): string {
  return `${prefix(namespace, serverName)}user-tool:${tool}:${userId}`;
}

/** A frozen BucketRef; the TTL is SPEC §4's `ceil(2 * refillPeriod seconds)`. */
export function bucketRef(key: string, scope: string, bucket: Bucket): BucketRef {
  return Object.freeze({
    key,
    scope,
    maxTokens: bucket.maxTokens,
    refillPeriodMs: bucket.refillPeriodMs,
    ttlSeconds: Math.ceil((2 * bucket.refillPeriodMs) / 1000),
  });
}
