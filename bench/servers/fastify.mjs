// Copied from ../shared/bench-anchors/fastify.mjs. F: what a Node user might pick instead:
// fastify + @fastify/http-proxy + @fastify/rate-limit on Redis (never rejecting: max 1e9/min).
import Fastify from 'fastify';
import proxy from '@fastify/http-proxy';
import rateLimit from '@fastify/rate-limit';
import Redis from 'ioredis';
const app = Fastify({ logger: false });
await app.register(rateLimit, { max: 1e9, timeWindow: 60000, redis: new Redis({ port: Number(process.env.REDIS_PORT), connectTimeout: 500, maxRetriesPerRequest: 1 }) });
await app.register(proxy, { upstream: process.env.UP, prefix: '/', http: {} });
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
