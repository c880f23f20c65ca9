// Regression (issue 17, defect 6): in stdio mode SIGTERM took the whole 10 s grace period
// whenever a client was connected. SDK clients always hold a standalone GET stream, which has no
// end to wait for; the bridge did not mark its streams as streaming, so the server waited for
// them as if they were requests in flight and cut them only after the grace period. Now the
// process exits as soon as the child is stopped.
//
// The proxy runs as its own process (`thv-proxy run`, from the TypeScript sources through the
// loader this test runs under, so it needs no build), because a signal is what an operator sends.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { EVERYTHING_ENTRY, textOf } from '../helpers/stdioHarness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;

interface Running {
  readonly endpoint: string;
  readonly url: string;
  /** SIGTERM; resolves to [exit code, ms from the signal to the exit]. */
  term(): Promise<[number | null, number]>;
  kill(): void;
}

async function runFromSource(proxyMode: 'streamable-http' | 'sse'): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), 'thv-proxy-shutdown-'));
  const file = join(dir, 'runconfig.json');
  const config = { name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], proxy_mode: proxyMode, port: 0 };
  writeFileSync(file, JSON.stringify(config));
  const launcher = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(['node', 'thv-proxy', ...process.argv.slice(1)]);`;
  // Only the TypeScript loader of the runner this test lives in (not its coverage hooks).
  const loaders = process.execArgv.filter((a) => a.includes('typescript'));
  const child = spawn(process.execPath, [...loaders, '--input-type=module', '-e', launcher, 'run', '--config', file, '--store', 'memory'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const serving = await new Promise<{ url: string; endpoint: string }>((resolve, reject) => {
    let partial = '';
    const timer = setTimeout(() => reject(new Error(`no "serving" line within 60 s\n${stderr}`)), 60_000);
    child.stdout.on('data', (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (!line.includes('thv-proxy serving')) continue;
        clearTimeout(timer);
        resolve(JSON.parse(line) as { url: string; endpoint: string });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`thv-proxy exited with ${code} before serving\n${stderr}`));
    });
  });
  child.stdout.resume();
  return {
    ...serving,
    async term() {
      const start = performance.now();
      child.kill('SIGTERM');
      const code = await exited;
      return [code, performance.now() - start];
    },
    kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}

/** A standalone stream that is certainly open (its response head arrived). */
function openStream(url: string, path: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path, headers: { accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      res.resume();
      res.on('error', () => undefined);
      resolve(res);
    });
    req.on('error', reject);
  });
}

async function initialize(endpoint: string): Promise<string> {
  const res = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } }),
  });
  await res.arrayBuffer();
  return res.headers.get('mcp-session-id')!;
}

for (const mode of ['streamable-http', 'sse'] as const) {
  t.test(`§1 stdio (${mode}): SIGTERM with an SDK client and an open standalone stream exits at once, not after the 10 s grace`, async (t) => {
    const proxy = await runFromSource(mode);
    t.teardown(() => proxy.kill());

    const client = new Client({ name: 'shutdown-test', version: '1' });
    const transport: Transport = mode === 'sse' ? new SSEClientTransport(new URL(proxy.endpoint)) : new StreamableHTTPClientTransport(new URL(proxy.endpoint));
    await client.connect(transport);
    t.teardown(() => client.close().catch(() => undefined));
    t.equal(textOf(await client.callTool({ name: 'echo', arguments: { message: 'up' } })), 'Echo: up');
    // One stream known to be open at the signal, whatever the SDK client's timing.
    const stream =
      mode === 'sse' ? await openStream(proxy.url, '/sse', {}) : await openStream(proxy.url, '/mcp', { 'mcp-session-id': await initialize(proxy.endpoint) });
    t.equal(stream.statusCode, 200, 'a standalone stream is open');
    const streamEnded = new Promise<void>((resolve) => stream.once('close', () => resolve()));

    const [code, ms] = await proxy.term();
    t.comment(`${mode}: exited ${ms.toFixed(0)} ms after SIGTERM`);
    t.equal(code, 0, 'exit 0');
    // Generous for a loaded shared machine; the bug took the whole 10 s grace period.
    t.ok(ms < 3_000, `exits well within the grace period (took ${ms.toFixed(0)} ms)`);
    await streamEnded;
    t.pass('the stream was ended');
  });
}
