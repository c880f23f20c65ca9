// The stdio transport under test: the real proxy (startProxy: the whole chain, the real
// node:http server) in front of @modelcontextprotocol/server-everything run as a child process,
// and official SDK clients talking to it. Also: finding the child's pid through /proc, so tests
// can kill it and check nothing is left behind.

import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { ProxyConfig, ProxyMode } from '../../src/config/types.js';
import { startProxy, type RunningProxy } from '../../src/server/start.js';
import { freePort } from './ports.js';

const require = createRequire(import.meta.url);

/** The reference server's CLI: `node dist/index.js stdio`. */
export const EVERYTHING_ENTRY = path.join(path.dirname(require.resolve('@modelcontextprotocol/server-everything/package.json')), 'dist', 'index.js');

export interface StdioProxyOptions {
  readonly proxyMode?: ProxyMode;
  readonly command?: string;
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Idle-session expiry of the stdio terminal (default 30 min). */
  readonly sessionIdleTimeoutMs?: number;
}

export async function stdioConfig(opts: StdioProxyOptions = {}): Promise<ProxyConfig> {
  return {
    source: 'test',
    name: 'everything',
    transport: 'stdio',
    host: '127.0.0.1',
    port: await freePort(),
    upstream: {
      kind: 'stdio',
      command: opts.command ?? process.execPath,
      args: opts.args ?? [EVERYTHING_ENTRY, 'stdio'],
      env: opts.env ?? {},
      proxyMode: opts.proxyMode ?? 'streamable-http',
    },
    trustProxyHeaders: false,
    allowedOrigins: [],
    allowedHosts: [],
    maxBodyBytes: 8 * 1024 * 1024,
    rateLimit: null,
    store: 'memory',
    redis: null,
    webhooks: [],
    mutatingWebhooks: [],
  };
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/** A running proxy for server-everything over stdio, stopped at the end of the test. */
export async function startStdioProxy(t: Teardown, opts: StdioProxyOptions = {}): Promise<RunningProxy> {
  const idle = opts.sessionIdleTimeoutMs;
  const proxy = await startProxy(await stdioConfig(opts), { logger: silentLogger(), ...(idle !== undefined ? { stdioSessionIdleTimeoutMs: idle } : {}) });
  t.teardown(() => proxy.close(1_000));
  return proxy;
}

/** An SDK client that can answer sampling requests (its answer names the client). */
export async function connectClient(t: Teardown, proxy: RunningProxy, name: string, mode: ProxyMode = 'streamable-http'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' }, { capabilities: { sampling: {} } });
  client.setRequestHandler(CreateMessageRequestSchema, async () => ({
    model: `model-of-${name}`,
    role: 'assistant' as const,
    content: { type: 'text' as const, text: `sampled by ${name}` },
  }));
  const url = new URL(proxy.endpoint);
  const transport = mode === 'sse' ? new SSEClientTransport(url) : new StreamableHTTPClientTransport(url);
  await client.connect(transport);
  t.teardown(() => client.close().catch(() => undefined));
  return client;
}

/** Pids of the direct children of `ppid` whose command line contains `match` (Linux /proc). */
export function childPids(ppid: number, match: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) !== ppid) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmdline.includes(match)) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** True while `pid` exists and is not a zombie. */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The child server-everything process of this test process. */
export function everythingPids(): number[] {
  return childPids(process.pid, EVERYTHING_ENTRY);
}

export function textOf(result: unknown): string {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content ?? [];
  return content.map((c) => c.text ?? '').join('');
}
