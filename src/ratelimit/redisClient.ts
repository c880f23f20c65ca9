// The ioredis client of each Redis deployment (SPEC §13): one server, a Redis Cluster from a
// seed node, or the master that Redis Sentinel names — with ACL user, password and TLS. Topology
// is ioredis's own job (MOVED/ASK redirections, slot refresh, asking the sentinels after a drop);
// this module only chooses the options, the same fail-fast ones for every topology: no offline
// queue, no retry of a failed command, reconnect forever with a capped backoff.

import type { ConnectionOptions } from 'node:tls';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { RedisConfig, RedisTls } from '../config/types.js';
import { routeConnectionAdvice, type ConnectionAdvice } from './connectionAdvice.js';

export type RedisClient = Redis | Cluster;

/** Reconnect backoff: 50 ms doubling, capped at 2 s, forever. */
const MAX_BACKOFF_MS = 2000;
const retryStrategy = (times: number): number => Math.min(50 * 2 ** Math.min(times, 6), MAX_BACKOFF_MS);

function hostPort(h: { readonly host: string; readonly port: number }): string {
  return h.host.includes(':') ? `[${h.host}]:${h.port}` : `${h.host}:${h.port}`;
}

/**
 * How messages name the deployment — addresses only, never the password: `Redis at h:p`,
 * `Redis Cluster at h:p (seed node)`, `Redis master "m" via Sentinel h:p, h:p`.
 */
export function describeRedis(cfg: RedisConfig): string {
  if (cfg.topology === 'sentinel') return `Redis master ${JSON.stringify(cfg.masterName)} via Sentinel ${cfg.sentinels.map(hostPort).join(', ')}`;
  if (cfg.topology === 'cluster') return `Redis Cluster at ${cfg.address} (seed node)`;
  return `Redis at ${cfg.address}`;
}

/** The address field of log lines: what the operator wrote in the config. */
export function redisLogAddress(cfg: RedisConfig): string {
  return cfg.topology === 'sentinel' ? `${cfg.masterName}@${cfg.sentinels.map(hostPort).join(',')}` : cfg.address;
}

function tlsOptions(tls: RedisTls | null): ConnectionOptions | undefined {
  if (tls === null) return undefined;
  const out: ConnectionOptions = { rejectUnauthorized: tls.rejectUnauthorized };
  if (tls.ca !== undefined) out.ca = tls.ca;
  if (tls.cert !== undefined) out.cert = tls.cert;
  if (tls.key !== undefined) out.key = tls.key;
  if (tls.serverName !== undefined) out.servername = tls.serverName;
  return out;
}

/** A command that meets a replica (a failover demoted our master) reconnects: Sentinel names the new one. */
function reconnectOnReadOnly(err: Error): 1 | false {
  return err.message.startsWith('READONLY') ? 1 : false;
}

/** Options of every connection to a data node, whatever the topology. */
function nodeOptions(cfg: RedisConfig): RedisOptions {
  const options: RedisOptions = {
    username: cfg.username,
    password: cfg.password,
    lazyConnect: true,
    // No queue: a check during an outage fails at once instead of piling up and hanging.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // No commandTimeout: its timer fires in the timers phase, before the poll phase reads an
    // answer that waited out a blocked loop. Checks are bounded by withinLoopDeadline instead.
    connectTimeout: cfg.dialTimeoutMs,
    // disconnect() arms a ref'd timer of this length that only a later 'close' clears; after a
    // refused connection none comes, and the default 2 s would delay the exit 3 of SPEC §1.
    disconnectTimeout: 100,
    reconnectOnError: reconnectOnReadOnly,
  };
  const tls = tlsOptions(cfg.tls);
  if (tls !== undefined) options.tls = tls;
  return options;
}

export interface ClientOptions {
  /**
   * ioredis auto-pipelining: checks issued in the same tick go out in one write. The store asks
   * for it on Cluster only; on one connection it batches by corking the socket (redisStore.ts).
   */
  readonly autoPipelining: boolean;
  /** An AUTH or ready-check answer ioredis would only print with console.warn (connectionAdvice.ts). */
  readonly onConnectionAdvice: (advice: ConnectionAdvice) => void;
}

export function createRedisClient(cfg: RedisConfig, opts: ClientOptions): RedisClient {
  const node = nodeOptions(cfg);
  if (cfg.topology === 'cluster') {
    const { lazyConnect: _lazy, enableOfflineQueue: _queue, ...redisOptions } = node;
    const options: ClusterOptions = {
      redisOptions,
      lazyConnect: true,
      enableOfflineQueue: false,
      enableAutoPipelining: opts.autoPipelining,
      clusterRetryStrategy: retryStrategy,
      // Keep the names the nodes announce (a TLS certificate names hosts, not the IPs they resolve to).
      dnsLookup: (address, callback) => callback(null, address),
      slotsRefreshTimeout: Math.min(cfg.dialTimeoutMs, 2000),
    };
    const cluster = new Cluster([{ host: cfg.host, port: cfg.port }], options);
    // Node connections are created lazily and announced before they connect.
    cluster.on('+node', (node: Redis) => routeConnectionAdvice(node, opts.onConnectionAdvice));
    return cluster;
  }
  const options: RedisOptions = { ...node, db: cfg.db, retryStrategy, enableAutoPipelining: opts.autoPipelining };
  if (cfg.topology === 'sentinel') {
    options.sentinels = cfg.sentinels.map((s) => ({ host: s.host, port: s.port }));
    options.name = cfg.masterName;
    options.role = 'master';
    if (cfg.sentinelPassword !== undefined) options.sentinelPassword = cfg.sentinelPassword;
    const sentinelTls = tlsOptions(cfg.sentinelTls);
    if (sentinelTls !== undefined) options.sentinelTLS = sentinelTls;
    // Without this flag ioredis would reach a TLS master in plaintext.
    options.enableTLSForSentinelMode = cfg.tls !== null;
    // After every sentinel failed, ask them all again soon (ioredis's default grows to 1 s).
    options.sentinelRetryStrategy = (times: number) => Math.min(100 * times, 1000);
  } else {
    options.host = cfg.host;
    options.port = cfg.port;
  }
  const redis = new Redis(options);
  routeConnectionAdvice(redis, opts.onConnectionAdvice);
  return redis;
}
