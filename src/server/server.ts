// The node:http server in front of the chain. Per request: one context, the probes (/health,
// /ready) and the stages' own endpoints (RFC 9728 metadata) before the chain, then the stages,
// then the terminal. Every error a client receives is
// written by writeRejection (src/errors.ts). Shutdown: stop accepting, let requests in flight
// finish within the grace period, end standalone event streams at once, then cut what remains.

import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { Rejection, ThvError, writeRejection } from '../errors.js';
import { runChain, type ChainOutcome } from '../chain/run.js';
import type { Middleware, StageEndpoint, Terminal } from '../chain/types.js';
import type { ProxyConfig } from '../config/types.js';
import type { TokenBucketStore } from '../ratelimit/store.js';
import { RequestLog } from '../observability/requestLog.js';
import type { RequestObserver } from '../observability/observer.js';
import { kContext, ServerRequestContext, type ContextResponse, type ResponseCloseSink } from './context.js';
import { answerHealth, answerReady, probeOf, type Probe } from './health.js';
import { lingerAfterAnswer } from './linger.js';
import { InFlightList } from './inFlight.js';
import { answerClientError } from './clientError.js';

const CLOSE: Readonly<Record<string, string>> = Object.freeze({ connection: 'close' });

export const DEFAULT_GRACE_MS = 10_000;
/** SPEC §14: the whole request (head and body) must arrive within this; responses are not bounded. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;
/** SPEC §14: a request's head must arrive within this. */
export const DEFAULT_HEADERS_TIMEOUT_MS = 60_000;
/** Longest wait before node notices a request past one of the bounds above. */
const CONNECTIONS_CHECK_MS = 1000;
/** Default cap on open client connections (`--max-connections`); past it node drops new sockets. */
export const DEFAULT_MAX_CONNECTIONS = 10_000;

/**
 * How often node compares the request bounds with the clock (its `connectionsCheckingInterval`).
 * A request is cut up to one interval late: with node's default 30 s a silent head lived 60-90 s.
 * Every second (a quarter of the bound for the short bounds of tests) keeps "headers within 60 s"
 * (SPEC §14) within 61 s. The check walks only connections whose request is still arriving
 * (node's active list, in C++), never idle keep-alive sockets or streaming responses; measured
 * with bench/connections-check.mjs: 6 us per check with 4000 idle connections, 0.6 ms with 4000
 * heads stuck half-sent — 0.06 % of a core at worst, and nothing per request.
 */
export function connectionsCheckMs(headersTimeoutMs: number): number {
  return Math.min(CONNECTIONS_CHECK_MS, Math.max(100, headersTimeoutMs / 4));
}

export interface ProxyServerDeps {
  readonly config: ProxyConfig;
  readonly stages: readonly Middleware[];
  readonly terminal: Terminal;
  readonly logger: Logger;
  readonly store: TokenBucketStore | null;
  /** Open client connections at most (default 10 000). */
  readonly maxConnections?: number | undefined;
  /** Time to receive one whole request (default 5 min); tests shorten it. */
  readonly requestTimeoutMs?: number | undefined;
  /** Time to receive a request's head (default 60 s, SPEC §14); tests shorten it. */
  readonly requestHeadersTimeoutMs?: number | undefined;
  /** Telemetry and audit (src/observability/observer.ts); null or absent when neither is configured. */
  readonly observer?: RequestObserver | null | undefined;
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
  /** The stages that judge the HTTP message only; they guard /health, /ready and stage endpoints too. */
  readonly #probeStages: readonly Middleware[];
  /** Paths stages answer themselves (RFC 9728 metadata), by exact path. */
  readonly #endpoints: ReadonlyMap<string, StageEndpoint>;
  readonly #terminal: Terminal;
  readonly #logger: Logger;
  readonly #requestLog: RequestLog;
  readonly #store: TokenBucketStore | null;
  readonly #observer: RequestObserver | null;
  readonly #server: http.Server;
  /** Not a Set: see inFlight.ts (a Set kept finished requests alive through scavenges). */
  readonly #inFlight = new InFlightList<ServerRequestContext>();
  #closing: Promise<void> | null = null;
  #drained: (() => void) | null = null;

  constructor(deps: ProxyServerDeps) {
    this.#config = deps.config;
    this.#stages = deps.stages;
    this.#probeStages = deps.stages.filter((s) => s.guardsProbes === true);
    this.#endpoints = new Map(deps.stages.flatMap((s) => s.endpoints ?? []).map((e) => [e.path, e]));
    this.#terminal = deps.terminal;
    this.#logger = deps.logger;
    this.#requestLog = new RequestLog(deps.logger);
    this.#store = deps.store;
    this.#observer = deps.observer ?? null;
    const requestTimeoutMs = deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const headersTimeoutMs = Math.min(deps.requestHeadersTimeoutMs ?? DEFAULT_HEADERS_TIMEOUT_MS, requestTimeoutMs);
    this.#server = http.createServer(
      {
        // Bounds receiving the request only (head and body), never the response: a POST
        // answered with an SSE stream may last hours. Slow headers: 60 s (SPEC §14); a stalled
        // body is dropped by the body-limit stage after 60 s of silence.
        requestTimeout: requestTimeoutMs,
        headersTimeout: headersTimeoutMs,
        connectionsCheckingInterval: connectionsCheckMs(headersTimeoutMs),
        // Longer than common load balancers' idle timeout (60 s), so they close first.
        keepAliveTimeout: 65_000,
        noDelay: true,
        // node would answer an HTTP/1.1 request without Host with an empty 400 of its own; the
        // body-limit stage refuses it with the JSON-RPC error instead (src/guard/bodyLimit.ts),
        // on every listener (the host guard runs on loopback ones only).
        requireHostHeader: false,
      },
      (req, res) => this.#handle(req, res),
    );
    this.#server.maxConnections = deps.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    // The answers node writes itself (parse errors, 408, 431), as JSON-RPC errors (SPEC §7).
    this.#server.on('clientError', answerClientError);
    this.#server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => this.#continueOrRefuse(req, res));
    this.#server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => this.#refuseExpectation(req, res));
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

  /**
   * `Expect: 100-continue` (node asks before it sends `100 Continue`): a declared body over the
   * limit is refused before the client is invited to send it (SPEC §3) — #handle without the
   * 100, where the body-limit stage answers 413 from Content-Length alone, as for any request,
   * lingering close included. Otherwise the 100 goes out and the request is handled as usual.
   */
  #continueOrRefuse(req: IncomingMessage, res: ServerResponse): void {
    const declared = req.headers['content-length'];
    if (declared === undefined || !(Number(declared) > this.#config.maxBodyBytes)) res.writeContinue();
    this.#handle(req, res);
  }

  /** Any other `Expect`: 417 as node answers it, with the JSON-RPC error and a request log line. */
  #refuseExpectation(req: IncomingMessage, res: ServerResponse): void {
    const ctx = this.#track(req, res);
    this.#reject(ctx, { rejection: new Rejection('EXPECTATION_FAILED', undefined, { headers: CLOSE, reason: `Expect: ${req.headers.expect}` }), rejectedBy: 'server' });
  }

  /** The request's context, in flight until its response closes. */
  #track(req: IncomingMessage, res: ServerResponse): ServerRequestContext {
    const ctx = new ServerRequestContext(req, res, this.#clientIp(req), this);
    (res as ContextResponse)[kContext] = ctx;
    res.on('close', onResponseClose);
    this.#inFlight.add(ctx);
    if (this.#closing !== null) res.setHeader('connection', 'close');
    return ctx;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const ctx = this.#track(req, res);

    const own = this.#ownPath(ctx);
    if (own !== undefined) {
      const guarded = runChain(this.#probeStages, ctx);
      if (guarded instanceof Promise) {
        guarded.then((o) => this.#answerOwn(ctx, own, o), (err: unknown) => this.#internalError(ctx, err));
      } else {
        this.#answerOwn(ctx, own, guarded);
      }
      return;
    }

    if (this.#observer !== null) {
      ctx.observed = true;
      this.#observer.requestStarted(ctx);
    }
    const outcome = runChain(this.#stages, ctx);
    if (outcome instanceof Promise) {
      outcome.then((o) => this.#afterChain(ctx, o), (err: unknown) => this.#internalError(ctx, err));
    } else {
      this.#afterChain(ctx, outcome);
    }
  }

  /** A path the proxy answers itself: a probe (GET), or a stage's endpoint (GET, HEAD, OPTIONS). */
  #ownPath(ctx: ServerRequestContext): Probe | StageEndpoint | undefined {
    const method = ctx.httpMethod;
    if (method === 'GET') {
      const probe = probeOf(ctx.url);
      if (probe !== undefined) return probe;
    } else if (method !== 'HEAD' && method !== 'OPTIONS') {
      return undefined;
    }
    if (this.#endpoints.size === 0) return undefined;
    const q = ctx.url.indexOf('?');
    return this.#endpoints.get(q === -1 ? ctx.url : ctx.url.slice(0, q));
  }

  #answerOwn(ctx: ServerRequestContext, own: Probe | StageEndpoint, outcome: ChainOutcome): void {
    if (this.#reject(ctx, outcome)) return;
    if (own === 'health') return answerHealth(ctx.res);
    if (own === 'ready') {
      answerReady(ctx.res, this.#store, this.#terminal).catch((err: unknown) => this.#internalError(ctx, err));
      return;
    }
    own.answer(ctx, ctx.res);
  }

  /** Write the chain's rejection, if there is one; true when the request was answered. */
  #reject(ctx: ServerRequestContext, outcome: ChainOutcome): boolean {
    const rejection = outcome.rejection;
    if (rejection === undefined) return false;
    ctx.rejectedBy = outcome.rejectedBy;
    ctx.reason = rejection.reason ?? rejection.message;
    if (!ctx.res.destroyed) {
      // Answered before the body was read: keep reading (and dropping) it a while, so a client
      // still sending sees the answer instead of a reset (SPEC §14, nginx's lingering close).
      if (!ctx.req.complete) lingerAfterAnswer(ctx.req);
      writeRejection(ctx.res, rejection.withIdFrom(ctx.body));
    }
    return true;
  }

  #afterChain(ctx: ServerRequestContext, outcome: ChainOutcome): void {
    if (this.#reject(ctx, outcome)) return;
    this.#observer?.forwarding(ctx);
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
    if (!ctx.res.destroyed) writeRejection(ctx.res, new Rejection('INTERNAL', ctx.mcp?.id, { reason }).withIdFrom(ctx.body));
  }

  responseClosed(ctx: ServerRequestContext): void {
    this.#inFlight.delete(ctx);
    this.#requestLog.write(ctx);
    if (ctx.observed) this.#observer!.requestEnded(ctx);
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
    for (const ctx of this.#inFlight.snapshot()) {
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
        this.#cut();
      }
    }
    server.closeAllConnections();
    await stopped;
    await this.#terminal.close?.().catch((err: unknown) => this.#logger.warn({ err }, 'closing the upstream'));
    for (const stage of this.#stages) await stage.close?.().catch((err: unknown) => this.#logger.warn({ err, stage: stage.name }, 'closing a stage'));
    await this.#store?.close().catch((err: unknown) => this.#logger.warn({ err }, 'closing the token-bucket store'));
    // Last: the requests above have ended, so their spans, metrics and audit events are complete.
    await this.#observer?.close();
  }

  /**
   * The grace period is over: the requests still in flight end without their answer. Their
   * responses are destroyed here, not only their sockets: the socket's 'close' reaches a response
   * only later, and the terminal, closed next, fails what it still waits for with 502 — written
   * into a response that looked alive, the request log said 502 for an answer nobody received.
   * A destroyed response takes no write; its line says `aborted: true`, and why.
   */
  #cut(): void {
    for (const ctx of this.#inFlight.snapshot()) {
      ctx.rejectedBy ??= 'server';
      ctx.reason ??= 'shutdown: grace period over, connection closed before the response was complete';
      ctx.res.destroy();
    }
  }
}

export function createProxyServer(deps: ProxyServerDeps): ProxyServer {
  return new NodeProxyServer(deps);
}
