// One forwarded request, as an undici dispatch handler (onRequestStart .. onResponseEnd): the
// upstream response is written straight into the client's ServerResponse — no intermediate
// stream, no AbortController (per ../shared/bench-anchors: 2x cheaper than request+pipeline).
// Backpressure: when res.write() returns false the upstream socket is paused until 'drain'.
// A client that goes away aborts the upstream request, even one still queued in the pool.

import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { Rejection, writeRejection } from '../errors.js';
import type { RequestContext } from '../chain/types.js';
import { clientResponseHeaders, isEventStream, markUnbuffered, type OutgoingHeaders } from './headers.js';
import type { EndpointRewriter } from './sseEndpoint.js';

const kExchange = Symbol('thv.proxy.exchange');
type ExchangeResponse = ServerResponse & { [kExchange]?: Exchange };

/** Codes undici (or the OS) reports when the upstream could not be reached or hung up early. */
const TIMEOUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_HEADERS_TIMEOUT']);

class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
  constructor() {
    super('client closed the connection');
  }
}

function onClientClose(this: ExchangeResponse): void {
  const ex = this[kExchange];
  if (ex !== undefined) ex.clientClosed();
}

function onClientDrain(this: ExchangeResponse): void {
  this[kExchange]?.controller?.resume();
}

export interface ExchangeOptions {
  /** Set only for GET responses of a legacy SSE upstream. */
  readonly makeRewriter: (() => EndpointRewriter) | null;
}

export class Exchange implements Dispatcher.DispatchHandler {
  readonly #ctx: RequestContext;
  readonly #res: ExchangeResponse;
  readonly #makeRewriter: (() => EndpointRewriter) | null;
  #rewriter: EndpointRewriter | null = null;
  controller: Dispatcher.DispatchController | null = null;
  /** The upstream exchange ended (complete or failed). */
  #done = false;
  #clientGone = false;
  /** Listening on the response ourselves: 'close' (contexts not the server's), 'drain' (once paused). */
  #closeListener = false;
  #drainListener = false;

  constructor(ctx: RequestContext, res: ServerResponse, opts: ExchangeOptions) {
    this.#ctx = ctx;
    this.#res = res as ExchangeResponse;
    this.#makeRewriter = opts.makeRewriter;
    this.#res[kExchange] = this;
    // The server's own 'close' listener tells us; anything else (tests, tools) gets a listener.
    if (ctx.watchesClose) ctx.closeWatcher = this;
    else {
      res.on('close', onClientClose);
      this.#closeListener = true;
    }
  }

  clientClosed(): void {
    if (this.#done) return;
    this.#clientGone = true;
    // Still queued: onRequestStart will abort it the moment it gets a connection.
    this.controller?.abort(new ClientGoneError());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.#clientGone) controller.abort(new ClientGoneError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode < 200) return; // 1xx: the final response follows
    const res = this.#res;
    if (res.destroyed) return;
    const out = clientResponseHeaders(headers as OutgoingHeaders);
    const sse = isEventStream(out['content-type']);
    if (sse) {
      markUnbuffered(out);
      this.#ctx.streaming = true;
      if (this.#makeRewriter !== null) this.#rewriter = this.#makeRewriter();
    }
    if (statusMessage) res.writeHead(statusCode, statusMessage, out);
    else res.writeHead(statusCode, out);
    // Send the head now: an SSE client waits for it before any event arrives.
    if (sse) res.flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#res;
    if (res.writableEnded || res.destroyed) return;
    const data = this.#rewriter === null ? chunk : this.#rewriter.push(chunk);
    if (data !== null && !res.write(data)) {
      controller.pause();
      // Added on the first pause only: most responses never fill the socket buffer.
      if (!this.#drainListener) {
        this.#drainListener = true;
        res.on('drain', onClientDrain);
      }
    }
  }

  onResponseEnd(): void {
    this.#finish();
    const res = this.#res;
    if (res.writableEnded || res.destroyed) return;
    const rest = this.#rewriter?.flush() ?? null;
    if (rest !== null) res.end(rest);
    else res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finish();
    if (this.#clientGone || err instanceof ClientGoneError) return;
    const res = this.#res;
    const code = (err as { code?: string }).code ?? err.name;
    const reason = `${code}: ${err.message}`;
    if (res.headersSent) {
      // Mid-stream failure: the client must see a broken response, not a truncated "complete" one.
      this.#noteFailure(`upstream failed mid-response: ${reason}`);
      res.destroy();
      return;
    }
    const kind = TIMEOUT_CODES.has(code) ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNREACHABLE';
    this.#noteFailure(reason);
    writeRejection(res, new Rejection(kind, this.#ctx.mcp?.id, { reason }));
  }

  #noteFailure(reason: string): void {
    this.#ctx.rejectedBy = 'proxy';
    this.#ctx.reason = reason;
  }

  #finish(): void {
    this.#done = true;
    const res = this.#res;
    if (this.#closeListener) res.removeListener('close', onClientClose);
    if (this.#drainListener) res.removeListener('drain', onClientDrain);
    if (this.#ctx.watchesClose) this.#ctx.closeWatcher = null;
    res[kExchange] = undefined;
  }
}
