// Load for bench/redis-scale.mjs from one process, spread over several proxies: CONNECTIONS
// keep-alive connections per URL in URLS (comma-separated), each sending the same tools/call
// POST back to back for SECONDS. Prints one JSON line: requests, non-2xx, errors, p50/p99 ms.
import http from 'node:http';

const urls = process.env.URLS.split(',').map((u) => new URL(u));
const connections = Number(process.env.CONNECTIONS ?? 16);
const seconds = Number(process.env.SECONDS ?? 5);
const body = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}');
const end = Date.now() + seconds * 1000;
let requests = 0;
let non2xx = 0;
let errors = 0;
const latencies = [];

function once(url, agent) {
  return new Promise((resolve) => {
    const started = performance.now();
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => {
          requests++;
          if (res.statusCode < 200 || res.statusCode > 299) non2xx++;
          if (latencies.length < 200_000) latencies.push(performance.now() - started);
          resolve();
        });
      },
    );
    req.on('error', () => { errors++; resolve(); });
    req.end(body);
  });
}

async function lane(url, agent) {
  while (Date.now() < end) await once(url, agent);
}
const lanes = [];
for (const url of urls) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  for (let i = 0; i < connections; i++) lanes.push(lane(url, agent));
}
await Promise.all(lanes);
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)] ?? NaN;
process.stdout.write(`${JSON.stringify({ requests, non2xx, errors, seconds, p50Ms: pct(50), p99Ms: pct(99) })}\n`);
