// The I/O step for session_redis, done once at load (SPEC §2, §13): the PEM files of `tls` and
// `sentinel_tls` are read and parsed (src/config/tlsFiles.ts, shared with webhooks), so
// `validate` refuses a file `run` could not use, and the store never touches the disk. Only when
// rate limiting will use Redis: with --store memory or without rate_limit_config the section is
// not used, and its files need not exist where the config is checked.

import { isObject, type Findings } from './findings.js';
import { REDIS_POINTER, sessionRedis, usesRedis } from './redisRules.js';
import { readTlsFiles, type TlsFileRef } from './tlsFiles.js';
import type { RedisTls, StoreKind } from './types.js';

export interface RedisFiles {
  readonly tls: RedisTls | null;
  readonly sentinelTls: RedisTls | null;
}

const NONE: RedisFiles = { tls: null, sentinelTls: null };

function ref(tls: Record<string, unknown>, field: string, pointer: string): TlsFileRef | undefined {
  const path = tls[field];
  return typeof path === 'string' && path !== '' ? { path, pointer: `${pointer}/${field}` } : undefined;
}

function compileTls(value: unknown, pointer: string, out: Findings): RedisTls | null {
  if (!isObject(value)) return null; // absent: plaintext
  const files = readTlsFiles(
    { ca: ref(value, 'ca_cert_path', pointer), cert: ref(value, 'client_cert_path', pointer), key: ref(value, 'client_key_path', pointer) },
    (path, message) => out.error(path, message),
  );
  const serverName = value.server_name;
  return {
    ...files,
    serverName: typeof serverName === 'string' && serverName !== '' ? serverName : undefined,
    rejectUnauthorized: value.insecure_skip_verify !== true,
  };
}

/** TLS material of session_redis (null where plaintext); problems go to `out` with pointers. */
export function resolveRedisFiles(doc: unknown, env: NodeJS.ProcessEnv, store: StoreKind, out: Findings): RedisFiles {
  if (!isObject(doc) || !usesRedis(doc, store)) return NONE;
  const redis = sessionRedis(doc);
  if (redis === undefined) return NONE;
  // An ACL user without a password would silently connect as the default user.
  if (typeof redis.username === 'string' && (env.THV_SESSION_REDIS_PASSWORD ?? '') === '') {
    out.error(`${REDIS_POINTER}/username`, 'needs a password: set the environment variable THV_SESSION_REDIS_PASSWORD');
  }
  return {
    tls: compileTls(redis.tls, `${REDIS_POINTER}/tls`, out),
    sentinelTls: compileTls(redis.sentinel_tls, `${REDIS_POINTER}/sentinel_tls`, out),
  };
}
