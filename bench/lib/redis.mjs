// The benchmark's own redis-server (free port, no persistence) and the figures read from it:
// INFO commandstats deltas (CONFIG RESETSTAT before each run) and, for an exact count of the
// commands a proxy sends per request, MONITOR (which tags commands run inside Lua as "lua").
import Redis from 'ioredis';
import { Child, waitServing } from './children.mjs';
import { freePort } from './ports.mjs';

// commands the harness itself sends; never charged to a scenario
const HARNESS = new Set(['info', 'config', 'monitor', 'ping', 'client', 'hello', 'select', 'command']);

export async function startRedis() {
  const port = await freePort();
  const child = new Child('redis-server', 'redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
  await waitServing(child, port);
  const admin = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 1 });
  await admin.connect();
  return {
    port, child, pid: child.pid,
    resetStats: () => admin.config('RESETSTAT'),
    /** Calls per command since the last reset, harness commands left out (script-internal ones included). */
    async commandCalls() {
      const text = await admin.info('commandstats');
      const calls = {};
      for (const m of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
        const name = m[1].split('|')[0];
        if (!HARNESS.has(name)) calls[name] = (calls[name] ?? 0) + Number(m[2]);
      }
      return calls;
    },
    /** Runs `fn` while MONITOR watches; returns the commands clients sent (not those run inside scripts). */
    async monitorClientCommands(fn) {
      const monitor = await admin.monitor();
      const seen = [];
      monitor.on('monitor', (_time, args, source) => {
        const name = String(args[0]).toLowerCase();
        if (source !== 'lua' && !HARNESS.has(name)) seen.push(name);
      });
      await new Promise((r) => setTimeout(r, 100));
      try { await fn(); } finally {
        await new Promise((r) => setTimeout(r, 200));
        monitor.disconnect();
      }
      return seen;
    },
    async stop() { admin.disconnect(); await child.stop(); },
  };
}
