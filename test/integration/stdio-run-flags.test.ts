// SPEC §1/§14 (stdio): the bounds are `run` flags — --max-sessions, --max-sessions-per-client,
// --max-stream-buffer — checked like every flag (a bad value is a usage error, exit 2) and
// reaching the stdio bridge. The proxy runs as its own process, from the TypeScript sources
// through the loader this test runs under (no build needed).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { main } from '../../src/cli/main.js';
import { postJson } from '../helpers/http.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).href;

// Answers initialize; `tools/call` floods 512 logging notifications of 64 KiB (32 MiB), then answers.
const FLOOD_SERVER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const out = (m) => new Promise((r) => (process.stdout.write(JSON.stringify(m) + '\\n') ? r() : process.stdout.once('drain', r)));
rl.on('line', async (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === 'initialize') return out({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-06-18', capabilities: { logging: {} }, serverInfo: { name: 'flood', version: '1' } } });
  if (m.method === 'tools/call') {
    const pad = 'x'.repeat(65536);
    for (let i = 0; i < 512; i++) await out({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: { i, pad } } });
    return out({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'flooded' }] } });
  }
  out({ jsonrpc: '2.0', id: m.id, result: {} });
});
`;

interface Running {
  readonly url: string;
  readonly lines: Array<Record<string, unknown>>;
}

async function run(t: Test, args: string[]): Promise<Running> {
  const file = join(mkdtempSync(join(tmpdir(), 'thv-proxy-flags-')), 'runconfig.json');
  writeFileSync(file, JSON.stringify({ name: 'flood', transport: 'stdio', command: process.execPath, cmd_args: ['-e', FLOOD_SERVER], port: 0 }));
  const launcher = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(['node', 'thv-proxy', ...process.argv.slice(1)]);`;
  const loaders = process.execArgv.filter((a) => a.includes('typescript'));
  const child: ChildProcess = spawn(process.execPath, [...loaders, '--input-type=module', '-e', launcher, 'run', '--config', file, '--store', 'memory', ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: Array<Record<string, unknown>> = [];
  const url = await new Promise<string>((resolve, reject) => {
    let partial = '';
    const timer = setTimeout(() => reject(new Error(`no "serving" line within 60 s\n${stderr}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      partial += d.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const p of parts) {
        const line = JSON.parse(p) as Record<string, unknown>;
        lines.push(line);
        if (typeof line['msg'] === 'string' && line['msg'].includes('thv-proxy serving')) {
          clearTimeout(timer);
          resolve(line['url'] as string);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before serving\n${stderr}`)));
  });
  return { url, lines };
}

const INIT = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } } });

function openStream(t: Test, url: string, sid: string): Promise<void> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: '/mcp', agent: false, headers: { accept: 'text/event-stream', 'mcp-session-id': sid } }, (res) => {
      res.resume();
      res.on('error', () => undefined);
      resolve();
    });
    req.on('error', reject);
    t.teardown(() => req.destroy());
  });
}

t.test('§1 run: a bad bound is a usage error (exit 2)', async (t) => {
  for (const args of [
    ['--max-sessions', '0'],
    ['--max-sessions-per-client', 'many'],
    ['--max-stream-buffer', '1000'],
    ['--max-stream-buffer', '-5'],
  ]) {
    let err = '';
    const code = await main(['node', 'thv-proxy', 'run', '--config', 'nonexistent.json', ...args], { stdout: () => undefined, stderr: (s) => (err += s) });
    t.equal(code, 2, `${args.join(' ')}: exit 2`);
    t.match(err, new RegExp(args[0]!), 'the message names the flag');
  }
});

t.test('§14 run --max-sessions-per-client 2: the third session of a client with none idle is a 503', async (t) => {
  const proxy = await run(t, ['--max-sessions-per-client', '2', '--max-sessions', '10']);
  for (let i = 0; i < 2; i++) {
    const a = await postJson(proxy.url, INIT);
    t.equal(a.status, 200);
    await openStream(t, proxy.url, a.headers['mcp-session-id'] as string);
  }
  const refused = await postJson(proxy.url, INIT);
  t.equal(refused.status, 503);
  t.same(JSON.parse(refused.body), { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Too many sessions' } });
});

t.test('§14 run --max-stream-buffer 65536: a stream whose client stopped reading is ended past 64 KiB', async (t) => {
  const proxy = await run(t, ['--max-stream-buffer', '65536']);
  const init = await postJson(proxy.url, INIT);
  const sid = init.headers['mcp-session-id'] as string;
  const u = new URL(proxy.url);
  const socket = await new Promise<net.Socket>((resolve) => {
    const s = net.connect(Number(u.port), u.hostname, () => {
      s.write(`GET /mcp HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\nMcp-Session-Id: ${sid}\r\n\r\n`);
      s.once('data', () => {
        s.pause();
        resolve(s);
      });
    });
    s.on('error', () => undefined);
  });
  t.teardown(() => socket.destroy());
  const flood = await postJson(proxy.url, '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"flood","arguments":{}}}', { 'mcp-session-id': sid });
  t.equal(flood.status, 200);
  const warning = proxy.lines.find((l) => typeof l['msg'] === 'string' && l['msg'].includes('is not reading'));
  t.match(warning, { level: 40, session: sid, maxStreamBufferBytes: 65536 }, 'the warning names the bound given on the command line');
});
