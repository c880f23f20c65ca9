// The node:http server in front of the chain. Per request: one context, the probes (/health,
// /ready) before the chain, then the stages, then the terminal. Every error a client receives is
// written by writeRejection (src/errors.ts). Shutdown: stop accepting, let requests in flight
// finish within the grace period, end standalone event streams at once, then cut what remains.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Rejection, ThvError, writeRejection } from '../errors.js';
import { runChain, type ChainOutcome } from '../chain/run.js';
import type { Middleware, Terminal } from '../chain/types.js';
import type { ProxyConfig } from '../config/types.js';
import type { TokenBucketStore } from '../ratelimit/store.js';
import { RequestLog } from '../observability/requestLog.js';
import { kContext, ServerRequestContext, type ContextResponse, type ResponseCloseSink } from './context.js';
import { answerHealth, answerReady, probeOf } from './health.js';

export const DEFAULT_GRACE_MS = 10_000;

export interface ProxyServerDeps {
  readonly config: ProxyConfig;
  readonly stages: readonly Middleware[];
  readonly terminal: Terminal;
  readonly logger: Logger;
  readonly store: TokenBucketStore | null;
}

export interface ProxyServer {
  /** Listen on config.host:config.port; resolves to the base URL (http://127.0.0.1:8080). */
  listen(): Promise<string>;
  /** Graceful stop (see file comment); closes stages, terminal and store too. Idempotent. */
  close(graceMs?: number): Promise<void>;
}

function onResponseClose(this: ContextResponse): void {
  const ctx = this[kContext];
  if (ctx === undefined) return;
  ctx.sink.responseClosed(ctx);
  ctx.closeWatcher?.clientClosed();
}

function stripMapped(addr: string): string {
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

class NodeProxyServer implements ProxyServer, ResponseCloseSink {
  readonly #config: ProxyConfig;
  readonly #stages: readonly Middleware[];
  readonly #terminal: Terminal;
  readonly #logger: Logger;
  readonly #requestLog: RequestLog;
  readonly #store: TokenBucketStore | null;
  readonly #server: http.Server;
  readonly #inFlight = new Set<ServerRequestContext>();
  #closing: Promise<void> | null = null;
  #drained: (() => void) | null = null;

  constructor(deps: ProxyServerDeps) {
    this.#config = deps.config;
    this.#stages = deps.stages;
    this.#terminal = deps.terminal;
    this.#logger = deps.logger;
    this.#requestLog = new RequestLog(deps.logger);
    this.#store = deps.store;
    this.#server = http.createServer(
      {
        // A POST answered with an SSE stream (a long tool call) is one request that may last
        // hours: no whole-request timeout. Only slow headers are bounded (slowloris).
        requestTimeout: 0,
        headersTimeout: 60_000,
        // Longer than common load balancers' idle timeout (60 s), so they close first.
        keepAliveTimeout: 65_000,
        noDelay: true,
      },
      (req, res) => this.#handle(req, res),
    );
  }

  #clientIp(req: IncomingMessage): string {
    if (this.#config.trustProxyHeaders) {
      const xff = req.headers['x-forwarded-for'];
      const text = Array.isArray(xff) ? xff[0] : xff;
      if (text) {
        const comma = text.indexOf(',');
        const hop = (comma === -1 ? text : text.slice(0, comma)).trim();
        if (hop !== '') return hop;
      }
    }
    return stripMapped(req.socket.remoteAddress ?? '');
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const ctx = new ServerRequestContext(req, res, this.#clientIp(req), this);
    (res as ContextResponse)[kContext] = ctx;
    res.on('close', onResponseClose);
    this.#inFlight.add(ctx);
    if (this.#closing !== null) res.setHeader('connection', 'close');

    if (ctx.httpMethod === 'GET') {
      const probe = probeOf(ctx.url);
      if (probe === 'health') return answerHealth(res);
      if (probe === 'ready') {
        answerReady(res, this.#store, this.#terminal).catch((err: unknown) => this.#internalError(ctx, err));
        return;
      }
    }

    const outcome = runChain(this.#stages, ctx);
    if (outcome instanceof Promise) {
      outcome.then((o) => this.#afterChain(ctx, o), (err: unknown) => this.#internalError(ctx, err));
    } else {
      this.#afterChain(ctx, outcome);
    }
  }

  #afterChain(ctx: ServerRequestContext, outcome: ChainOutcome): void {
    const rejection = outcome.rejection;
    if (rejection !== undefined) {
      ctx.rejectedBy = outcome.rejectedBy;
      ctx.reason = rejection.reason ?? rejection.message;
      if (!ctx.res.destroyed) writeRejection(ctx.res, rejection);
      return;
    }
    try {
      const forwarded = this.#terminal.forward(ctx);
      if (forwarded instanceof Promise) forwarded.catch((err: unknown) => this.#internalError(ctx, err));
    } catch (err) {
      this.#internalError(ctx, err);
    }
  }

  /** A bug, not a client problem: JSON-RPC 500 (or a cut connection once the head is out). */
  #internalError(ctx: ServerRequestContext, err: unknown): void {
    const reason = err instanceof Error ? err.message : String(err);
    ctx.rejectedBy = ctx.rejectedBy ?? 'server';
    ctx.reason = reason;
    this.#logger.error({ err }, 'internal error while handling a request');
    if (!ctx.res.destroyed) writeRejection(ctx.res, new Rejection('INTERNAL', ctx.mcp?.id, { reason }));
  }

  responseClosed(ctx: ServerRequestContext): void {
    this.#inFlight.delete(ctx);
    this.#requestLog.write(ctx);
    if (this.#closing !== null) {
      this.#server.closeIdleConnections();
      if (this.#inFlight.size === 0) this.#drained?.();
    }
  }

  listen(): Promise<string> {
    const { host, port } = this.#config;
    return new Promise((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        if (err.code === 'EADDRINUSE') {
          reject(new ThvError('THV_ERR_PORT_IN_USE', `port ${port} on ${host} is already in use`, undefined, { cause: err }));
        } else {
          reject(new ThvError('THV_ERR_LISTEN', `cannot listen on ${host}:${port}: ${err.code ?? err.message}`, undefined, { cause: err }));
        }
      };
      this.#server.once('error', onError);
      this.#server.listen({ host, port }, () => {
        this.#server.removeListener('error', onError);
        this.#server.on('error', (err) => this.#logger.error({ err }, 'http server error'));
        const actual = (this.#server.address() as AddressInfo).port;
        resolve(`http://${formatHost(host)}:${actual}`);
      });
    });
  }

  close(graceMs = DEFAULT_GRACE_MS): Promise<void> {
    this.#closing ??= this.#shutdown(graceMs);
    return this.#closing;
  }

  async #shutdown(graceMs: number): Promise<void> {
    const server = this.#server;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const ctx of this.#inFlight) {
      const res = ctx.res;
      if (!res.headersSent) res.setHeader('connection', 'close');
      // A standalone event stream (GET) has no end to wait for: end it now; the client reconnects
      // to another replica. POSTs, including ones answered with SSE, get the grace period.
      else if (ctx.httpMethod === 'GET' && ctx.streaming) res.end();
    }
    if (this.#inFlight.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        timer = setTimeout(resolve, graceMs);
      });
      clearTimeout(timer);
      if (this.#inFlight.size > 0) {
        this.#logger.warn({ requests: this.#inFlight.size, graceMs }, 'grace period over: closing the remaining connections');
      }
    }
    server.closeAllConnections();
    await stopped;
    await this.#terminal.close?.().catch((err: unknown) => this.#logger.warn({ err }, 'closing the upstream'));
    for (const stage of this.#stages) await stage.close?.().catch((err: unknown) => this.#logger.warn({ err, stage: stage.name }, 'closing a stage'));
    await this.#store?.close().catch((err: unknown) => this.#logger.warn({ err }, 'closing the token-bucket store'));
  }
}

export function createProxyServer(deps: ProxyServerDeps): ProxyServer {
  return new NodeProxyServer(deps);
}
