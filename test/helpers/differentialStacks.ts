// Three real MCP server stacks for the parse-differential test (issue 17), in-process on free
// ports, each serving one tool, `echo`, whose handler records every execution:
//  - 'web-standard': the SDK's StreamableHTTPServerTransport without a pre-parsed body, i.e. its
//    WebStandardStreamableHTTPServerTransport behind the SDK's own node:http adapter: the body is
//    read with a UTF-8 TextDecoder whatever the charset says;
//  - 'legacy-sse':   the SDK's SSEServerTransport (GET /sse + POST /messages?sessionId=...): its
//    handlePostMessage decodes the body with the Content-Type's charset (raw-body + iconv-lite);
//  - 'express-json': the SDK's createMcpExpressApp (express + express.json(), i.e. body-parser,
//    which also decodes with any `utf-*` charset) handing req.body to
//    StreamableHTTPServerTransport.handleRequest(req, res, req.body).
// Every stack records the server's own view of each JSON-RPC message it accepted (`received`),
// each tools/call it executed (`executed`) and the ids it answered (`answered`), so a test can
// wait for a request to be fully handled instead of sleeping.

import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CallToolRequestSchema, ListToolsRequestSchema, type JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

export type StackKind = 'web-standard' | 'legacy-sse' | 'express-json';

/** One message as the server decoded it. */
export interface ServerView {
  readonly method: string | undefined;
  /** JSON.stringify(id); undefined for notifications. */
  readonly id: string | undefined;
  readonly name?: unknown;
  readonly arguments?: unknown;
}

export interface StackRecorder {
  readonly received: ServerView[];
  readonly executed: ServerView[];
  readonly answered: Set<string>;
}

export interface Stack {
  readonly kind: StackKind;
  /** The RunConfig transport the proxy uses in front of it. */
  readonly transport: 'streamable-http' | 'sse';
  /** The path raw requests are POSTed to ('/mcp' or '/messages'). */
  readonly postPath: string;
  readonly port: number;
  readonly rec: StackRecorder;
  /** Ids of the legacy SSE sessions currently open (the SDK client opens one through the proxy). */
  sseSessionIds(): string[];
  close(): Promise<void>;
}

function idKey(id: unknown): string | undefined {
  return id === undefined ? undefined : JSON.stringify(id);
}

/** A low-level SDK Server with the single `echo` tool; every call is recorded. */
function echoServer(rec: StackRecorder): Server {
  const server = new Server({ name: 'differential-echo', version: '1.0.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: 'echo', description: 'echoes', inputSchema: { type: 'object' as const } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async (req, extra) => {
    rec.executed.push({ method: 'tools/call', id: idKey(extra.requestId), name: req.params.name, arguments: req.params.arguments });
    return { content: [{ type: 'text' as const, text: `echo ${JSON.stringify(req.params.arguments ?? {})}` }] };
  });
  return server;
}

/** Record what the transport hands the server and which ids the server answers. Before connect(). */
function recordTransport(transport: Transport, rec: StackRecorder): void {
  // Protocol.connect() keeps an onmessage that was set before it, and calls it first.
  transport.onmessage = (m: JSONRPCMessage) => {
    const msg = m as { method?: unknown; id?: unknown; params?: { name?: unknown; arguments?: unknown } };
    rec.received.push({
      method: typeof msg.method === 'string' ? msg.method : undefined,
      id: idKey(msg.id),
      name: msg.params?.name,
      arguments: msg.params?.arguments,
    });
  };
  const send = transport.send.bind(transport);
  transport.send = async (m, opts) => {
    const msg = m as { id?: unknown; result?: unknown; error?: unknown };
    if (msg.id !== undefined && ('result' in msg || 'error' in msg)) rec.answered.add(idKey(msg.id)!);
    return await send(m, opts);
  };
}

function newRecorder(): StackRecorder {
  return { received: [], executed: [], answered: new Set() };
}

async function listen(server: http.Server, kind: StackKind, rec: StackRecorder, extra: Partial<Stack>): Promise<Stack> {
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    kind,
    transport: kind === 'legacy-sse' ? 'sse' : 'streamable-http',
    postPath: kind === 'legacy-sse' ? '/messages' : '/mcp',
    port,
    rec,
    sseSessionIds: () => [],
    ...extra,
    close: async () => {
      await extra.close?.();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Streamable HTTP sessions (stateful), shared by the web-standard and express stacks. */
function streamableSessions(rec: StackRecorder) {
  const sessions = new Map<string, StreamableHTTPServerTransport>();
  const servers: Server[] = [];
  return {
    /** The session's transport; a new one for a POST without a session id (it must initialize). */
    async lookup(req: IncomingMessage, res: ServerResponse): Promise<StreamableHTTPServerTransport | undefined> {
      const sid = req.headers['mcp-session-id'];
      const known = typeof sid === 'string' ? sessions.get(sid) : undefined;
      if (known !== undefined) return known;
      if (sid !== undefined || req.method !== 'POST') {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
        return undefined;
      }
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, transport),
      });
      const server = echoServer(rec);
      servers.push(server);
      recordTransport(transport, rec);
      await server.connect(transport);
      return transport;
    },
    async closeAll(): Promise<void> {
      await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
    },
  };
}

function failed(res: ServerResponse, err: unknown): void {
  if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
  res.end(`stack error: ${(err as Error).message}`);
}

/** (a) The SDK's Web-standard streamable transport, served on node:http at /mcp. */
export async function startWebStandardStack(): Promise<Stack> {
  const rec = newRecorder();
  const sessions = streamableSessions(rec);
  const server = http.createServer((req, res) => {
    void (async () => {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return void res.writeHead(404).end();
      const transport = await sessions.lookup(req, res);
      if (transport !== undefined) await transport.handleRequest(req, res);
    })().catch((err: unknown) => failed(res, err));
  });
  return await listen(server, 'web-standard', rec, { close: () => sessions.closeAll() });
}

/** (b) The SDK's legacy SSE transport: GET /sse opens a session, POST /messages?sessionId=... */
export async function startLegacySseStack(): Promise<Stack> {
  const rec = newRecorder();
  const transports = new Map<string, SSEServerTransport>();
  const servers: Server[] = [];
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET' && url.pathname === '/sse') {
        const transport = new SSEServerTransport('/messages', res);
        transports.set(transport.sessionId, transport);
        res.once('close', () => transports.delete(transport.sessionId));
        const mcp = echoServer(rec);
        servers.push(mcp);
        recordTransport(transport, rec);
        await mcp.connect(transport);
        return;
      }
      if (req.method === 'POST' && url.pathname === '/messages') {
        const transport = transports.get(url.searchParams.get('sessionId') ?? '');
        if (transport === undefined) return void res.writeHead(404).end('unknown session');
        await transport.handlePostMessage(req, res);
        return;
      }
      res.writeHead(404).end();
    })().catch((err: unknown) => failed(res, err));
  });
  return await listen(server, 'legacy-sse', rec, {
    sseSessionIds: () => [...transports.keys()],
    close: async () => void (await Promise.all(servers.map((s) => s.close().catch(() => undefined)))),
  });
}

type ExpressRequest = IncomingMessage & { body?: unknown };
type ExpressHandler = (req: ExpressRequest, res: ServerResponse) => void;

/** The slice of an express app used here (express ships no types in this repo). */
interface ExpressApp {
  (req: IncomingMessage, res: ServerResponse): void;
  set(name: string, value: unknown): void;
  all(path: string, handler: ExpressHandler): void;
}

/** (c) express + express.json() (the SDK's createMcpExpressApp), req.body handed to the transport. */
export async function startExpressJsonStack(): Promise<Stack> {
  const rec = newRecorder();
  const sessions = streamableSessions(rec);
  const app = createMcpExpressApp() as unknown as ExpressApp;
  app.set('env', 'test'); // body-parser's 400/415 answers without a stack trace on stderr
  app.all('/mcp', (req, res) => {
    void (async () => {
      const transport = await sessions.lookup(req, res);
      if (transport !== undefined) await transport.handleRequest(req, res, req.body);
    })().catch((err: unknown) => failed(res, err));
  });
  const server = http.createServer((req, res) => app(req, res));
  return await listen(server, 'express-json', rec, { close: () => sessions.closeAll() });
}

export const STACKS: ReadonlyArray<{ kind: StackKind; start: () => Promise<Stack> }> = [
  { kind: 'web-standard', start: startWebStandardStack },
  { kind: 'legacy-sse', start: startLegacySseStack },
  { kind: 'express-json', start: startExpressJsonStack },
];
