// A store-level client for bench/redis-scale.mjs: one RedisStore (dist/), CHECKS_INFLIGHT
// consume() calls kept in flight for SECONDS over SERVERS distinct servers' buckets (never
// empty), no HTTP in the way. Prints one JSON line: checks done, failures, own CPU seconds.
import { cpuUsage } from 'node:process';
import pino from 'pino';
const { createRedisStore } = await import(`${process.env.THV_ROOT}/dist/ratelimit/redisStore.js`);
const { bucketRef, sharedKey, toolKey } = await import(`${process.env.THV_ROOT}/dist/ratelimit/keys.js`);

const seconds = Number(process.env.SECONDS ?? 5);
const inflight = Number(process.env.CHECKS_INFLIGHT ?? 64);
const servers = Number(process.env.SERVERS ?? 16);
const port = Number(process.env.REDIS_PORT);
const autoPipelining = process.env.AUTO_PIPELINING !== '0';
const cfg = {
  topology: 'standalone', address: `127.0.0.1:${port}`, host: '127.0.0.1', port, masterName: '', sentinels: [], db: 0, keyPrefix: '',
  username: undefined, password: undefined, sentinelPassword: undefined, tls: null, sentinelTls: null, dialTimeoutMs: 5000,
};
const store = createRedisStore(cfg, { logger: pino({ level: 'silent' }), commandTimeoutMs: 2000, autoPipelining });
await store.connect(5000);
const NEVER = { maxTokens: 1_000_000_000, refillPeriodMs: 1000 };
const lists = Array.from({ length: servers }, (_, i) => {
  const name = `scale-${process.pid}-${i}`;
  return Object.freeze([bucketRef(sharedKey('default', name), 'shared', NEVER), bucketRef(toolKey('default', name, 'echo'), 'tool:echo', NEVER)]);
});
let checks = 0;
let failures = 0;
let n = 0;
const end = Date.now() + seconds * 1000;
const cpu0 = cpuUsage();
async function lane() {
  while (Date.now() < end) {
    try { await store.consume(lists[n++ % servers]); checks++; } catch { failures++; }
  }
}
await Promise.all(Array.from({ length: inflight }, lane));
const cpu = cpuUsage(cpu0);
await store.close();
process.stdout.write(`${JSON.stringify({ checks, failures, cpuSeconds: (cpu.user + cpu.system) / 1e6, seconds })}\n`);
