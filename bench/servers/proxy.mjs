// Copied from ../shared/bench-anchors/proxy.mjs (the anchors' bare proxy), unchanged in behaviour.
// P0 (LIMIT unset) / P1 (LIMIT=1): node:http + undici Pool, body buffered and parsed, response
// streamed with pool.stream; P1 adds one EVALSHA of the 2-key token-bucket script per tools/call.
import http from 'node:http';
import { Pool } from 'undici';
import Redis from 'ioredis';
import { SCRIPT } from './lua.mjs';
const port = Number(process.env.PORT), up = process.env.UP;
const pool = new Pool(up, { connections: 64, pipelining: 1 });
let redis = null;
if (process.env.LIMIT) {
  redis = new Redis({ port: Number(process.env.REDIS_PORT), enableAutoPipelining: process.env.AUTOPIPE === '1', enableOfflineQueue: false });
  redis.defineCommand('consume', { numberOfKeys: 2, lua: SCRIPT });
  // with enableOfflineQueue:false a command before 'ready' fails at once: wait for the connection first
  await new Promise((resolve, reject) => { redis.once('ready', resolve); redis.once('error', reject); });
  await redis.ping();
}
const keys = ['thv:rl:{a:b}:shared', 'thv:rl:{a:b}:shared:tool:echo'];
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    let msg;
    try { msg = JSON.parse(body); } catch { res.writeHead(400); return res.end(); }
    if (redis && msg.method === 'tools/call') {
      try {
        const r = await redis.consume(keys[0], keys[1], 2, 1e9, 1e9, 1e9, 1e9, 120, 120);
        if (r !== 0) { res.writeHead(429); return res.end(); }
      } catch { /* fail open */ }
    }
    // undici pool.stream writes the upstream body straight into res: about 2x the throughput of
    // pool.request + stream.pipeline on Node 20, which allocates an AbortController per call.
    pool.stream({ method: 'POST', path: req.url, headers: { 'content-type': 'application/json', 'content-length': String(body.length) }, body, opaque: res },
      ({ statusCode, headers, opaque }) => { delete headers.connection; delete headers['keep-alive']; delete headers['transfer-encoding']; opaque.writeHead(statusCode, headers); return opaque; },
      (err) => { if (err) { if (!res.headersSent) { res.writeHead(502); res.end(); } else res.destroy(); } });
  });
}).listen(port, '127.0.0.1');
