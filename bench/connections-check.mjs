// What node's connection check costs at a given connectionsCheckingInterval (src/server/server.ts).
// A child process runs a node:http server with the proxy's bounds (headers 60 s, request 5 min);
// this process opens N connections to it, either idle keep-alive ones (one request answered, then
// silent: the common case) or ones stuck mid-head (a request begun and never finished: the
// connections the check walks), then the child reports its own CPU time over a window.
//
//   node bench/connections-check.mjs [connections=4000] [windowSeconds=20]
//
// Prints, per interval and kind, the child's CPU ms over the window (user+system; median of 3
// runs) and the time spent in node's check itself (its list walk, wrapped and timed).

import { fork } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';

if (process.argv[2] === 'server') {
  const interval = Number(process.argv[3]);
  const server = http.createServer(
    { connectionsCheckingInterval: interval, headersTimeout: 60_000, requestTimeout: 300_000, keepAliveTimeout: 65_000 },
    (_req, res) => res.end('ok'),
  );
  server.maxConnections = 20_000;
  let checks = 0;
  let checkNs = 0n;
  server.listen(0, '127.0.0.1', () => {
    // Time node's own walk (ConnectionsList.expired, in C++) by wrapping it on this server's list.
    const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connections');
    const list = server[key];
    const expired = list.expired.bind(list);
    list.expired = (...args) => {
      const t0 = process.hrtime.bigint();
      const out = expired(...args);
      checkNs += process.hrtime.bigint() - t0;
      checks++;
      return out;
    };
    process.send({ port: server.address().port });
  });
  process.on('message', (m) => {
    if (m.measure) {
      const before = process.cpuUsage();
      checks = 0;
      checkNs = 0n;
      setTimeout(() => {
        const d = process.cpuUsage(before);
        process.send({ cpuMs: (d.user + d.system) / 1000, checks, checkUs: Number(checkNs) / 1000 });
      }, m.measure);
    }
  });
} else {
  const n = Number(process.argv[2] ?? 4000);
  const windowMs = Number(process.argv[3] ?? 20) * 1000;

  const run = async (interval, kind) => {
    const child = fork(new URL(import.meta.url).pathname, ['server', String(interval)]);
    const { port } = await new Promise((r) => child.once('message', r));
    const sockets = [];
    for (let i = 0; i < (kind === 'none' ? 0 : n); i++) {
      const s = net.connect({ host: '127.0.0.1', port });
      s.on('error', () => undefined);
      await new Promise((r) => s.once('connect', r));
      if (kind === 'idle') {
        s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
        await new Promise((r) => s.once('data', r));
      } else {
        s.write('POST / HTTP/1.1\r\nHost: x\r\n');
      }
      sockets.push(s);
    }
    await new Promise((r) => setTimeout(r, 1000));
    child.send({ measure: windowMs });
    const out = await new Promise((r) => child.once('message', r));
    for (const s of sockets) s.destroy();
    child.kill();
    return out;
  };

  console.log(`connections=${n} window=${windowMs / 1000}s; child CPU ms over the window (median of 3)`);
  for (const kind of ['none', 'idle', 'mid-head']) {
    for (const interval of [30_000, 1_000]) {
      const runs = [];
      for (let i = 0; i < 3; i++) runs.push(await run(interval, kind));
      runs.sort((a, b) => a.cpuMs - b.cpuMs);
      const m = runs[1];
      const perCheck = m.checks === 0 ? 0 : m.checkUs / m.checks;
      console.log(
        `${kind.padEnd(9)} interval ${String(interval).padStart(5)} ms: process CPU ${m.cpuMs.toFixed(1)} ms (${runs.map((r) => r.cpuMs.toFixed(1)).join(', ')}); ` +
          `${m.checks} checks, ${perCheck.toFixed(1)} us each, ${(m.checkUs / 1000).toFixed(2)} ms in all`,
      );
    }
  }
}
