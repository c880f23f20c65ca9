// Semantic rules for scaling_config.session_redis (SPEC §2, §13) that the schema cannot say:
// "host:port" addresses, address and sentinel_config exclusive, cluster_mode without sentinels
// and with database 0 only, sentinel_tls only with sentinels, client certificate and key
// together, dial_timeout a positive Go duration. Reading the TLS files and the password is a
// separate step (redisFiles.ts): these rules touch no disk and no environment.

import { parseHostPort } from './address.js';
import { hostProblem } from './hostSyntax.js';
import { DurationError, parseDuration } from './duration.js';
import { Findings, isObject } from './findings.js';
import type { StoreKind } from './types.js';

export const REDIS_POINTER = '/scaling_config/session_redis';
/** dial_timeout when not set: SPEC §1's startup bound. */
export const DEFAULT_DIAL_TIMEOUT_MS = 5000;

const HOST_PORT = 'must be "host:port" such as "127.0.0.1:6379" or "[::1]:6379"';

/** The session_redis object of a parsed document, or undefined. */
export function sessionRedis(doc: Record<string, unknown>): Record<string, unknown> | undefined {
  const scaling = doc.scaling_config;
  const redis = isObject(scaling) ? scaling.session_redis : undefined;
  return isObject(redis) ? redis : undefined;
}

/** True when rate limiting will talk to Redis: rate_limit_config is set and the store is redis. */
export function usesRedis(doc: Record<string, unknown>, store: StoreKind): boolean {
  return isObject(doc.rate_limit_config) && store === 'redis';
}

/** dial_timeout in milliseconds (the rules have accepted it); the default when absent. */
export function dialTimeoutMs(value: string | undefined): number {
  return value === undefined ? DEFAULT_DIAL_TIMEOUT_MS : parseDuration(value);
}

function checkAddress(value: unknown, path: string, out: Findings): void {
  if (typeof value !== 'string' || value === '') return;
  const hp = parseHostPort(value);
  if (hp === null) out.error(path, `${HOST_PORT}, got ${JSON.stringify(value)}`);
  else if (hostProblem(hp.host) !== null) out.error(path, `${HOST_PORT}: its host ${hostProblem(hp.host)}`);
}

function checkTls(tls: unknown, path: string, out: Findings): void {
  if (!isObject(tls)) return;
  const cert = tls.client_cert_path;
  const key = tls.client_key_path;
  if (cert !== undefined && key === undefined) out.error(`${path}/client_key_path`, 'required with client_cert_path (the key of the client certificate)');
  if (key !== undefined && cert === undefined) out.error(`${path}/client_cert_path`, 'required with client_key_path (the client certificate of that key)');
}

function checkDialTimeout(value: unknown, path: string, out: Findings): void {
  if (typeof value !== 'string') return; // the schema step reports the type
  try {
    if (parseDuration(value) > 0) return;
    out.error(path, `must be greater than 0 (got ${JSON.stringify(value)})`);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    out.error(path, `${err.message}; expected a Go duration such as "5s" or "500ms"`);
  }
}

function checkSentinel(redis: Record<string, unknown>, out: Findings): void {
  const sentinel = redis.sentinel_config;
  if (!isObject(sentinel)) {
    if (redis.sentinel_tls !== undefined) out.error(`${REDIS_POINTER}/sentinel_tls`, 'applies to the connections to the sentinels: set sentinel_config too');
    return;
  }
  if (redis.address !== undefined) {
    out.error(`${REDIS_POINTER}/address`, 'must not be set with sentinel_config: the sentinels name the master (remove one of the two)');
  }
  if (redis.cluster_mode === true) {
    out.error(`${REDIS_POINTER}/cluster_mode`, 'cannot be combined with sentinel_config: a Redis Cluster fails over by itself, without sentinels');
  }
  const addrs = sentinel.sentinel_addrs;
  if (Array.isArray(addrs)) addrs.forEach((a: unknown, i) => checkAddress(a, `${REDIS_POINTER}/sentinel_config/sentinel_addrs/${i}`, out));
}

export function checkRedis(doc: Record<string, unknown>, ctx: { readonly store: StoreKind }, out: Findings): void {
  const redis = sessionRedis(doc);
  if (redis !== undefined) {
    checkAddress(redis.address, `${REDIS_POINTER}/address`, out);
    checkSentinel(redis, out);
    if (redis.cluster_mode === true && typeof redis.db === 'number' && redis.db !== 0) {
      out.error(`${REDIS_POINTER}/db`, `must be 0 with cluster_mode: a Redis Cluster has only database 0 (got ${redis.db})`);
    }
    checkTls(redis.tls, `${REDIS_POINTER}/tls`, out);
    checkTls(redis.sentinel_tls, `${REDIS_POINTER}/sentinel_tls`, out);
    checkDialTimeout(redis.dial_timeout, `${REDIS_POINTER}/dial_timeout`, out);
  }
  if (!isObject(doc.rate_limit_config)) return;
  if (ctx.store === 'memory') {
    out.warn('rate limits hold per process only (--store memory)');
  } else if (redis?.address === undefined && redis?.sentinel_config === undefined) {
    out.error(`${REDIS_POINTER}/address`, 'rate limiting needs Redis: set "host:port" here (or sentinel_config), or run with --store memory');
  }
}
