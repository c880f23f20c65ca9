// Samples taken from outside the proxy while it is under load: its RSS every few seconds, and the
// latency of GET /health every 100 ms over one keep-alive connection. The proxy answers /health
// itself, so a slow answer means its event loop was busy (or queued behind the load's requests):
// an upper bound on event-loop stalls, read without a hook inside the product.
import http from 'node:http';
import { rssKb } from './procfs.mjs';

export function startSampling({ pid, port, rssEveryMs = 5000, healthEveryMs = 100 }) {
  const t0 = Date.now();
  const rss = [];
  const health = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let inFlight = false;
  const ping = () => {
    if (inFlight) return; // a stall longer than the period shows as one long sample, not many
    inFlight = true;
    const start = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => { inFlight = false; health.push({ t: Date.now() - t0, ms: Number(process.hrtime.bigint() - start) / 1e6, status: res.statusCode }); });
    });
    req.once('error', () => { inFlight = false; health.push({ t: Date.now() - t0, ms: NaN, status: 0 }); });
    req.once('timeout', () => req.destroy());
  };
  const sampleRss = () => { try { rss.push({ t: Date.now() - t0, kb: rssKb(pid) }); } catch { /* exited */ } };
  sampleRss();
  const a = setInterval(sampleRss, rssEveryMs);
  const b = setInterval(ping, healthEveryMs);
  return {
    stop() { clearInterval(a); clearInterval(b); sampleRss(); agent.destroy(); return { rss, health }; },
  };
}
