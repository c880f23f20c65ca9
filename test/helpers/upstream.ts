// Upstreams for the proxy tests:
// - the reference MCP server (@modelcontextprotocol/server-everything) as a child process on a
//   free port; its CLI takes the transport as the first argument (`streamableHttp` serves
//   /mcp, `sse` serves GET /sse + POST /message) and the port from the PORT env variable;
// - a tiny in-process HTTP server whose every answer the test controls, which records each
//   request's exact bytes and headers and counts its connections.

import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { freePort } from './ports.js';

const require = createRequire(import.meta.url);
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function waitForPort(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server-everything exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`server-everything did not listen on ${port} within ${timeoutMs} ms`);
}

export interface EverythingServer {
  readonly port: number;
  /** http://127.0.0.1:<port> */
  readonly origin: string;
  /** Where a client connects directly: /mcp or /sse. */
  readonly endpoint: string;
  /** Everything it wrote to stdout and stderr. */
  readonly output: string[];
  close(): Promise<void>;
}

export async function startEverything(mode: 'streamableHttp' | 'sse'): Promise<EverythingServer> {
  const port = await freePort();
  const entry = require.resolve('@modelcontextprotocol/server-everything/dist/index.js');
  const child = spawn(process.execPath, [entry, mode], {
    env: { ...process.env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  const output: string[] = [];
  child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitForPort(port, child, 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output.join('')}`);
  }
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    endpoint: `${origin}${mode === 'sse' ? '/sse' : '/mcp'}`,
    output,
    async close() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      live.delete(child);
    },
  };
}

// -------------------------------------------------------------------------------------------------

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Header names and values exactly as received, in order. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
}

/** Answers one request; the body has been read in full. May stay pending (streams, hangs). */
export type RawHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;

export interface RawUpstream {
  readonly port: number;
  readonly origin: string;
  readonly requests: RecordedRequest[];
  /** Connections accepted so far. */
  connectionsOpened(): number;
  /** Connections open now. */
  connectionsOpen(): number;
  /** Requests whose response has not closed yet (finished or aborted). */
  requestsActive(): number;
  /** Requests whose response closed before it finished: the proxy went away. */
  requestsAborted(): number;
  handler: RawHandler;
  close(): Promise<void>;
}

export async function startRawUpstream(handler: RawHandler, port?: number): Promise<RawUpstream> {
  const sockets = new Set<Socket>();
  let opened = 0;
  let active = 0;
  let aborted = 0;
  const requests: RecordedRequest[] = [];
  const upstream: RawUpstream = {
    port: 0,
    origin: '',
    requests,
    connectionsOpened: () => opened,
    connectionsOpen: () => sockets.size,
    requestsActive: () => active,
    requestsAborted: () => aborted,
    handler,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    active++;
    res.once('close', () => {
      active--;
      if (!res.writableFinished) aborted++;
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, rawHeaders: req.rawHeaders, body });
      Promise.resolve(upstream.handler(req, res, body)).catch((err: unknown) => {
        res.destroy(err as Error);
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  server.on('connection', (s: Socket) => {
    opened++;
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(port ?? 0, '127.0.0.1', () => resolve()));
  const actual = (server.address() as AddressInfo).port;
  return Object.assign(upstream, { port: actual, origin: `http://127.0.0.1:${actual}` });
}

/** A JSON-RPC result echoing the request id, as a plain JSON response. */
export function jsonResult(res: ServerResponse, body: Buffer, result: unknown = {}): void {
  let id: unknown = null;
  try {
    id = (JSON.parse(body.toString()) as { id?: unknown }).id ?? null;
  } catch {
    /* not JSON: id null */
  }
  const text = JSON.stringify({ jsonrpc: '2.0', id, result });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
