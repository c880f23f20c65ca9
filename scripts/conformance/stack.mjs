// What the suite is pointed at: the reference server server-everything alone, and thv-proxy in
// front of it (streamable HTTP upstream, and server-everything as a stdio child). Each target
// gets fresh processes so that no state (subscriptions, sessions) carries over between runs.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { freePort, httpOk, portOpen, start, waitUntil } from './processes.mjs';

const require = createRequire(import.meta.url);
const EVERYTHING = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
const START_TIMEOUT_MS = 30_000;

// Generous limits: the suite must never meet them, but every tools/call passes the limiter, so
// the chain is the full one (body limit, guard, parser, rate limit, proxy).
const RATE_LIMIT = {
  rate_limit_config: {
    shared: { maxTokens: 10_000, refillPeriod: '1m0s' },
    tools: [{ name: 'echo', shared: { maxTokens: 1_000, refillPeriod: '1m0s' } }],
  },
};

export async function startEverything(label) {
  const port = await freePort();
  const proc = start(process.execPath, [EVERYTHING, 'streamableHttp'], {
    env: { ...process.env, PORT: String(port) },
    label,
  });
  await waitUntil(proc, () => portOpen(port), START_TIMEOUT_MS, `listening on ${port}`);
  return { proc, port, url: `http://127.0.0.1:${port}/mcp` };
}

async function startProxy(root, workDir, name, config) {
  const port = await freePort();
  const file = join(workDir, `${name}.runconfig.json`);
  writeFileSync(file, JSON.stringify({ ...config, port, host: '127.0.0.1' }, null, 2));
  const proc = start(process.execPath, [join(root, 'bin', 'thv-proxy'), 'run', '--config', file, '--store', 'memory', '--log-level', 'warn'], {
    cwd: root,
    label: `thv-proxy (${name})`,
  });
  await waitUntil(proc, () => httpOk(`http://127.0.0.1:${port}/ready`), START_TIMEOUT_MS, '200 on /ready');
  return { proc, port, url: `http://127.0.0.1:${port}/mcp` };
}

/** Every target, in table order: direct first. `open()` starts its processes, `close()` stops them. */
export function targets(root, workDir) {
  return [
    {
      name: 'direct',
      label: 'server-everything (streamable HTTP)',
      async open() {
        const s = await startEverything('server-everything');
        return { url: s.url, close: () => s.proc.stop() };
      },
    },
    {
      name: 'http',
      label: 'thv-proxy → server-everything (streamable HTTP)',
      async open() {
        const s = await startEverything('server-everything behind thv-proxy');
        try {
          const p = await startProxy(root, workDir, 'http', {
            name: 'everything',
            transport: 'streamable-http',
            target_host: '127.0.0.1',
            target_port: s.port,
            ...RATE_LIMIT,
          });
          return { url: p.url, close: async () => { await p.proc.stop(); await s.proc.stop(); } };
        } catch (err) {
          await s.proc.stop();
          throw err;
        }
      },
    },
    {
      name: 'stdio',
      label: 'thv-proxy → server-everything (stdio)',
      async open() {
        const p = await startProxy(root, workDir, 'stdio', {
          name: 'everything',
          transport: 'stdio',
          command: process.execPath,
          cmd_args: [EVERYTHING, 'stdio'],
          ...RATE_LIMIT,
        });
        return { url: p.url, close: () => p.proc.stop() };
      },
    },
  ];
}
