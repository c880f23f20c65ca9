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
import { editListAnswer, listKindOf } from '../mcp/listAnswer.js';
import { MAX_LIST_ANSWER_BYTES, SseListFilter } from './sseListFilter.js';

/** A JSON list answer held until complete, so it can be filtered (SPEC §10); bounded. */
interface HeldAnswer {
  readonly status: number;
  readonly statusMessage: string | undefined;
  readonly headers: OutgoingHeaders;
  readonly chunks: Buffer[];
  size: number;
}

const kExchange = Symbol('thv.proxy.exchange');

/** The content coding of a response ("gzip", "br, gzip"), or null for none / identity. */
function contentCoding(value: string | string[] | undefined): string | null {
  if (value === undefined) return null;
  const text = (Array.isArray(value) ? value.join(',') : value).trim().toLowerCase();
  const codings = text.split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  return codings.length === 0 ? null : codings.join(', ');
}
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
  /** List filtering (ctx.listEdits): SSE answers event by event, JSON answers whole. */
  #listFilter: SseListFilter | null = null;
  #held: HeldAnswer | null = null;
  /** The answer could not be passed on (filtered, rewritten): the client got an error, the upstream was aborted. */
  #filterFailed = false;
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
    // The server's own 'close' listener tells us; anything else (tests, tools) gets a listener,
    // which finds this exchange on the response. Only then (or once a 'drain' listener is
    // needed) is the response given a property of ours: node's own code handles every
    // ServerResponse, and an extra property gives them a second shape to tell apart.
    if (ctx.watchesClose) ctx.closeWatcher = this;
    else {
      this.#res[kExchange] = this;
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

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>, statusMessage?: string): void {
    if (statusCode < 200) return; // 1xx: the final response follows
    const res = this.#res;
    if (res.destroyed) return;
    const out = clientResponseHeaders(headers as OutgoingHeaders);
    const sse = isEventStream(out['content-type']);
    const edits = this.#ctx.listEdits;
    const editsList = edits !== undefined && statusCode < 300;
    if (editsList || (sse && this.#makeRewriter !== null)) {
      // The proxy must read this answer; it asked for it unencoded (headers.ts readsAnswer). An
      // upstream that compresses anyway is refused: passed on, its list would go out unfiltered.
      const coding = contentCoding(out['content-encoding']);
      if (coding !== null) {
        this.#refuse(controller, editsList ? 'LIST_FILTER_FAILED' : 'UPSTREAM_UNREACHABLE', `answer encoded with ${coding} although identity was asked for: it cannot be ${editsList ? 'filtered' : 'rewritten'}, refused`);
        return;
      }
    }
    if (sse) {
      markUnbuffered(out);
      this.#ctx.streaming = true;
      if (this.#makeRewriter !== null) this.#rewriter = this.#makeRewriter();
    }
    if (editsList) {
      // Non-2xx answers carry no list (ToolHive passes them through too).
      delete out['content-length'];
      const mcp = this.#ctx.mcp;
      if (!sse) {
        this.#held = { status: statusCode, statusMessage, headers: out, chunks: [], size: 0 };
        return;
      }
      this.#listFilter = new SseListFilter(edits, listKindOf(mcp?.method), mcp?.id);
    }
    if (statusMessage) res.writeHead(statusCode, statusMessage, out);
    else res.writeHead(statusCode, out);
    // Send the head now: an SSE client waits for it before any event arrives.
    if (sse) res.flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#res;
    if (res.writableEnded || res.destroyed) return;
    if (this.#held !== null) {
      this.#hold(controller, this.#held, chunk);
      return;
    }
    let data = this.#rewriter === null ? chunk : this.#rewriter.push(chunk);
    if (data !== null && this.#listFilter !== null) data = this.#listFilter.push(data);
    if (data !== null && !res.write(data)) {
      controller.pause();
      // Added on the first pause only: most responses never fill the socket buffer.
      if (!this.#drainListener) {
        this.#drainListener = true;
        this.#res[kExchange] = this;
        res.on('drain', onClientDrain);
      }
    }
  }

  onResponseEnd(): void {
    this.#finish();
    const res = this.#res;
    if (res.writableEnded || res.destroyed) return;
    if (this.#held !== null) {
      this.#writeHeld(this.#held);
      return;
    }
    let rest = this.#rewriter?.flush() ?? null;
    const filter = this.#listFilter;
    if (filter !== null) {
      const parts = [rest === null ? null : filter.push(rest), filter.flush()].filter((b): b is Buffer => b !== null);
      rest = parts.length === 0 ? null : Buffer.concat(parts);
    }
    if (rest !== null) res.end(rest);
    else res.end();
  }

  #hold(controller: Dispatcher.DispatchController, held: HeldAnswer, chunk: Buffer): void {
    held.size += chunk.length;
    if (held.size <= MAX_LIST_ANSWER_BYTES) {
      held.chunks.push(chunk);
      return;
    }
    // Too large to filter: never passed on unfiltered.
    this.#held = null;
    this.#refuse(controller, 'LIST_FILTER_FAILED', `list answer over ${MAX_LIST_ANSWER_BYTES} bytes: not filtered, refused`);
  }

  /** An answer the proxy cannot pass on: the upstream request is aborted, the client told why. */
  #refuse(controller: Dispatcher.DispatchController, kind: 'LIST_FILTER_FAILED' | 'UPSTREAM_UNREACHABLE', reason: string): void {
    this.#filterFailed = true;
    controller.abort(new Error(reason));
    this.#noteFailure(reason);
    writeRejection(this.#res, new Rejection(kind, this.#ctx.mcp?.id, { reason }).withIdFrom(this.#ctx.body));
  }

  #writeHeld(held: HeldAnswer): void {
    const res = this.#res;
    const body = Buffer.concat(held.chunks, held.size);
    const mcp = this.#ctx.mcp;
    const outcome = editListAnswer(body.toString('utf8'), this.#ctx.listEdits!, listKindOf(mcp?.method), mcp?.id);
    if (outcome?.failed === true) {
      this.#noteFailure('list answer carried a result outside a clean response: refused');
      writeRejection(res, new Rejection('LIST_FILTER_FAILED', mcp?.id, { reason: this.#ctx.reason }));
      return;
    }
    const out = outcome === null ? body : Buffer.from(outcome.text);
    held.headers['content-length'] = String(out.length);
    if (held.statusMessage) res.writeHead(held.status, held.statusMessage, held.headers);
    else res.writeHead(held.status, held.headers);
    res.end(out);
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.#finish();
    const res = this.#res;
    // A destroyed response (the client left, or shutdown cut it) takes no answer, and the
    // upstream error it caused is no failure of the upstream's.
    if (this.#clientGone || this.#filterFailed || err instanceof ClientGoneError || res.destroyed) return;
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
    writeRejection(res, new Rejection(kind, this.#ctx.mcp?.id, { reason }).withIdFrom(this.#ctx.body));
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
    if (this.#closeListener || this.#drainListener) res[kExchange] = undefined;
  }
}
