// A real webhook for tests, over HTTP or HTTPS (optionally requiring a client certificate). Its
// behaviour can be switched between requests; it records every call's raw bytes and headers and
// verifies the HMAC signature from those raw bytes, as an operator's webhook would.
// Also: builders for the WebhookConfig and RequestContext the webhook stage takes.

import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import pino, { type Logger } from 'pino';
import type { Middleware, RequestContext, StageReport } from '../../src/chain/types.js';
import { createWebhookMiddleware, type WebhookStageParams } from '../../src/webhook/middleware.js';
import { compileWebhookTls } from '../../src/webhook/tlsMaterial.js';
import type { WebhookConfig } from '../../src/config/types.js';
import { Rejection } from '../../src/errors.js';
import { parseMcpMessage } from '../../src/mcp/parser.js';
import { testCerts } from './certs.js';

export type Behaviour =
  | 'allow'
  | 'deny'
  | '422'
  | 'hang'
  | '500'
  | '404'
  | 'invalid-json'
  | 'no-allowed'
  /** 2 MiB of valid-looking JSON, chunked (no Content-Length). */
  | 'huge'
  /** 2 MiB with Content-Length declared. */
  | 'huge-declared'
  /** 200 then 64 KiB chunks until the client goes away (counted in `endlessBytes`). */
  | 'endless'
  /** Whatever `respond` returns (mutating webhooks: patches). */
  | 'custom';

/** A custom answer: status, and the body as exact text (or a value to JSON-encode). */
export interface CustomAnswer {
  readonly status: number;
  readonly body: string | Record<string, unknown>;
}

export interface ReceivedCall {
  readonly raw: Buffer;
  readonly headers: IncomingHttpHeaders;
  /** null when the call was unsigned (no signature header) and the server has no secret. */
  readonly signatureValid: boolean | null;
  /** Subject CN of the client certificate, when one was presented. */
  readonly clientCertCN: string | undefined;
  readonly receivedAt: number;
  /** The client's port: equal ports on consecutive calls mean a reused (keep-alive) connection. */
  readonly remotePort: number | undefined;
}

export interface WebhookServer {
  url: string;
  port: number;
  readonly calls: ReceivedCall[];
  behaviour: Behaviour;
  /** Message sent with deny / 422. */
  message: string;
  /** Bytes written by 'endless' responses before the client went away. */
  endlessBytes: number;
  /** Behaviour 'custom': the answer to one call, from its parsed payload. */
  respond: (payload: { uid: string; mcp_request: Record<string, any> } & Record<string, any>) => CustomAnswer;
  close(): Promise<void>;
}

export interface WebhookServerOptions {
  /** 'ca': certificate issued by the test CA; 'self-signed': untrusted certificate. */
  readonly tls?: 'ca' | 'self-signed';
  readonly requireClientCert?: boolean;
  /** Verify X-ToolHive-Signature with this secret. */
  readonly secret?: Buffer;
  readonly behaviour?: Behaviour;
  readonly message?: string;
  readonly path?: string;
}

const HUGE = Buffer.alloc(2 * 1024 * 1024, 0x20);

function verify(secret: Buffer | undefined, raw: Buffer, headers: IncomingHttpHeaders): boolean | null {
  const ts = headers['x-toolhive-timestamp'];
  const sig = headers['x-toolhive-signature'];
  if (secret === undefined) return sig === undefined ? null : false;
  if (typeof ts !== 'string' || typeof sig !== 'string' || !sig.startsWith('sha256=')) return false;
  const expected = createHmac('sha256', secret).update(`${ts}.`).update(raw).digest();
  const given = Buffer.from(sig.slice('sha256='.length), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function answer(server: WebhookServer, raw: Buffer, res: ServerResponse): void {
  let uid = '';
  try {
    uid = (JSON.parse(raw.toString('utf8')) as { uid?: string }).uid ?? '';
  } catch {
    // a malformed call still gets the configured behaviour
  }
  const json = (status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };
  switch (server.behaviour) {
    case 'allow':
      return json(200, { version: 'v0.1.0', uid, allowed: true });
    case 'deny':
      return json(200, { version: 'v0.1.0', uid, allowed: false, code: 403, message: server.message, reason: 'PolicyDenied' });
    case '422':
      return json(422, { version: 'v0.1.0', uid, allowed: false, message: server.message });
    case 'hang':
      return; // never answer; close() destroys the socket
    case '500':
      return json(500, { error: 'internal' });
    case '404':
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    case 'invalid-json':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"allowed": tru');
      return;
    case 'no-allowed':
      return json(200, { version: 'v0.1.0', uid, message: 'forgot the verdict' });
    case 'huge':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"allowed":true,"pad":"');
      res.end(HUGE);
      return;
    case 'huge-declared':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': HUGE.length });
      res.end(HUGE);
      return;
    case 'custom': {
      const answered = server.respond(JSON.parse(raw.toString('utf8')));
      const text = typeof answered.body === 'string' ? answered.body : JSON.stringify(answered.body);
      res.writeHead(answered.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    case 'endless': {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = HUGE.subarray(0, 64 * 1024);
      const pump = (): void => {
        while (!res.destroyed) {
          server.endlessBytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      res.on('error', () => {});
      pump();
      return;
    }
  }
}

export async function startWebhookServer(opts: WebhookServerOptions = {}): Promise<WebhookServer> {
  const calls: ReceivedCall[] = [];
  const path = opts.path ?? '/validate';
  const state: WebhookServer = {
    url: '',
    port: 0,
    calls,
    behaviour: opts.behaviour ?? 'allow',
    message: opts.message ?? 'tool "rm" is not allowed for this team',
    endlessBytes: 0,
    respond: ({ uid }) => ({ status: 200, body: { version: 'v0.1.0', uid, allowed: true } }),
    close: async () => {},
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const cert = opts.tls ? (req.socket as TLSSocket).getPeerCertificate() : undefined;
      calls.push({
        raw,
        headers: req.headers,
        signatureValid: verify(opts.secret, raw, req.headers),
        clientCertCN: cert && cert.subject ? String(cert.subject.CN) : undefined,
        receivedAt: Date.now(),
        remotePort: req.socket.remotePort,
      });
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(405).end();
        return;
      }
      answer(state, raw, res);
    });
  };

  let server: http.Server | https.Server;
  if (opts.tls) {
    const certs = testCerts();
    const [cert, key] = opts.tls === 'ca' ? [certs.serverCert, certs.serverKey] : [certs.selfSignedCert, certs.selfSignedKey];
    server = https.createServer(
      {
        cert: certs.read(cert),
        key: certs.read(key),
        ...(opts.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: certs.read(certs.caCert) } : {}),
      },
      onRequest,
    );
  } else {
    server = http.createServer(onRequest);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  state.port = port;
  state.url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`;
  state.close = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return state;
}

/** A WebhookConfig as the loader would produce it; override any field. */
/**
 * A webhook stage from hand-built params, its TLS files compiled as the loader does
 * (tlsMaterial.ts); a problem the loader would report is thrown.
 */
export function webhookStage(params: Omit<WebhookStageParams, 'tls'>, deps: { readonly logger: Logger }): Middleware {
  const problems: string[] = [];
  const tls = compileWebhookTls(params.webhook.tls, '/tls_config', (pointer, message) => problems.push(`${pointer}: ${message}`));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return createWebhookMiddleware({ ...params, tls }, deps);
}

export function webhookConfig(over: Partial<WebhookConfig> & { url: string }): WebhookConfig {
  return {
    name: 'policy',
    timeoutMs: 2000,
    failurePolicy: 'fail',
    hmacSecret: null,
    ...over,
    tls: { caBundlePath: undefined, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: false, ...over.tls },
  };
}

/** A RequestContext after the parser: body bytes as given, `mcp` parsed from them. */
export function mcpContext(body: string | Buffer, opts: { clientIp?: string; trace?: boolean } = {}): RequestContext {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  const parsed = parseMcpMessage(bytes);
  if (parsed instanceof Rejection) throw new Error(`test body does not parse: ${parsed.reason ?? parsed.message}`);
  return {
    httpMethod: 'POST',
    url: '/mcp',
    headers: { host: 'localhost:8080', 'content-type': 'application/json' },
    clientIp: opts.clientIp ?? '127.0.0.1',
    req: null,
    res: null,
    body: bytes,
    mcp: parsed,
    note: null,
    trace: opts.trace ? ([] as StageReport[]) : null,
    startNs: process.hrtime.bigint(), rejectedBy: undefined, reason: undefined, streaming: false, closeWatcher: null, watchesClose: false,
  };
}

/** A pino logger that keeps its lines, to assert what was logged (and what never was). */
export function captureLogger(): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  const raw: string[] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void raw.push(line) });
  return {
    logger,
    lines: () => raw.map((l) => JSON.parse(l) as Record<string, unknown>),
    text: () => raw.join(''),
  };
}
