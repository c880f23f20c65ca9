// Stage 1 of the chain (SPEC §3, §14): the HTTP message first (requestMessage.ts: a target that
// is one plain path to every server, one Host, no transfer coding but chunked), then the body,
// read once and bounded in size and in time. A declared Content-Length over the limit is refused
// before a byte is read; a chunked body is refused as soon as the running total passes the
// limit. Either way the client gets 413 with `Connection: close`, and the server reads and
// discards what the client is still sending for a short while so the 413 reaches it (linger.ts).
// A body that stalls for `bodyStallMs` (60 s) is dropped: a client must not pin up to the body
// limit per socket by declaring more bytes than it sends.
//
// Reading uses module-level listeners that find their state on the request under a symbol,
// so a request costs one state object and one promise, not a closure per event.

import type { IncomingMessage } from 'node:http';
import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import { hostHeaderCount, isPlainTransferEncoding, targetProblem } from './requestMessage.js';

/** SPEC §14: a body that stalls this long is dropped. */
export const DEFAULT_BODY_STALL_MS = 60_000;

export interface BodyLimitOptions {
  readonly maxBodyBytes: number;
  /** Longest silence while a body is being received (default 60 s). */
  readonly bodyStallMs?: number;
}

const CLOSE: Readonly<Record<string, string>> = Object.freeze({ connection: 'close' });
const EMPTY = Buffer.alloc(0);
const kRead = Symbol('thv.bodyLimit.read');

/** Methods whose requests are expected to carry a body; a POST with none still gets `EMPTY`. */
const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

interface BodyRead {
  readonly ctx: RequestContext;
  readonly limit: number;
  readonly chunks: Buffer[];
  total: number;
  resolve: (result: StageResult) => void;
}

type ReadingRequest = IncomingMessage & { [kRead]?: BodyRead };

function tooLarge(limit: number, reason: string): Rejection {
  return new Rejection('BODY_TOO_LARGE', undefined, { headers: CLOSE, reason: `${reason} (limit ${limit} bytes)` });
}

function finish(req: ReadingRequest, read: BodyRead, result: StageResult): void {
  // Back to the server's own socket timeout (none while a response streams).
  req.socket.setTimeout(0);
  req.removeListener('data', onData);
  req.removeListener('end', onEnd);
  req.removeListener('error', onGone);
  req.removeListener('close', onGone);
  req[kRead] = undefined;
  read.resolve(result);
}

function onData(this: ReadingRequest, chunk: Buffer): void {
  const read = this[kRead]!;
  read.total += chunk.length;
  if (read.total > read.limit) {
    // Stop consuming: the socket's buffers fill, the client stops sending, and the server
    // answers 413 with Connection: close. Draining an unbounded body would be the attack.
    this.pause();
    if (read.ctx.trace) read.ctx.note = { summary: `over ${read.limit} bytes while reading`, facts: { bytesRead: read.total, limit: read.limit } };
    finish(this, read, tooLarge(read.limit, `body passed ${read.total} bytes while reading`));
    return;
  }
  read.chunks.push(chunk);
}

function onEnd(this: ReadingRequest): void {
  const read = this[kRead]!;
  const { chunks } = read;
  read.ctx.body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, read.total);
  if (read.ctx.trace) read.ctx.note = { summary: `${read.total} bytes`, facts: { bytes: read.total, limit: read.limit } };
  finish(this, read, undefined);
}

function onGone(this: ReadingRequest): void {
  // 'error' (aborted) or 'close' before 'end': the client went away mid-body. The answer goes
  // nowhere (writeRejection on a destroyed response is a no-op); it exists so the chain stops
  // and the request log says why.
  const read = this[kRead];
  if (!read) return;
  finish(this, read, new Rejection('INVALID_REQUEST', undefined, { reason: 'client closed the connection while sending the body' }));
}

function refuseMessage(ctx: RequestContext): Rejection | undefined {
  let reason = targetProblem(ctx.url);
  let kind: 'INVALID_REQUEST' | 'MALFORMED_HTTP' | 'UNSUPPORTED_MEDIA_TYPE' = 'INVALID_REQUEST';
  if (reason === undefined && ctx.req !== null && hostHeaderCount(ctx.req.rawHeaders) > 1) reason = 'more than one Host header';
  // RFC 9112 §3.2: an HTTP/1.1 request without Host is refused with 400 (node's own check is off
  // so that the answer is the JSON-RPC error; src/server/server.ts).
  if (reason === undefined && ctx.headers.host === undefined && ctx.req !== null && ctx.req.httpVersionMinor === 1 && ctx.req.httpVersionMajor === 1) {
    reason = 'HTTP/1.1 request without Host';
    kind = 'MALFORMED_HTTP';
  }
  if (reason === undefined && !isPlainTransferEncoding(ctx.headers)) {
    reason = `Transfer-Encoding ${JSON.stringify(ctx.headers['transfer-encoding'])}: only chunked is accepted`;
    kind = 'UNSUPPORTED_MEDIA_TYPE';
  }
  if (reason === undefined) return undefined;
  if (ctx.trace) ctx.note = { summary: `rejected: ${reason}` };
  return new Rejection(kind, undefined, { headers: CLOSE, reason });
}

class BodyLimitMiddleware implements Middleware {
  readonly name = 'body-limit';
  /** Judges the HTTP message, so it guards the proxy's own endpoints (/health, /ready) too. */
  readonly guardsProbes = true;
  readonly #limit: number;
  readonly #stallMs: number;

  constructor(opts: BodyLimitOptions) {
    if (!Number.isSafeInteger(opts.maxBodyBytes) || opts.maxBodyBytes < 0) {
      throw new Error('maxBodyBytes must be a non-negative integer');
    }
    this.#limit = opts.maxBodyBytes;
    this.#stallMs = opts.bodyStallMs ?? DEFAULT_BODY_STALL_MS;
  }

  handle(ctx: RequestContext): StageResult | Promise<StageResult> {
    const refused = refuseMessage(ctx);
    if (refused !== undefined) return refused;
    const limit = this.#limit;
    const req = ctx.req;
    if (req === null) return this.#checkGiven(ctx);

    const declared = ctx.headers['content-length'];
    const chunked = ctx.headers['transfer-encoding'] !== undefined;
    const length = declared === undefined ? 0 : Number(declared);
    if (length > limit) {
      if (ctx.trace) ctx.note = { summary: `Content-Length ${length} over ${limit} bytes`, facts: { declared: length, limit } };
      return tooLarge(limit, `Content-Length ${length}`);
    }
    if (!chunked && !(length > 0)) {
      // Without Content-Length or Transfer-Encoding an HTTP/1.1 request has no body (RFC 9112 §6.3).
      ctx.body = BODY_METHODS.has(ctx.httpMethod) ? EMPTY : null;
      if (ctx.trace) ctx.note = { summary: '0 bytes', facts: { bytes: 0, limit } };
      return undefined;
    }
    if (req.readableEnded || req.destroyed) {
      return new Rejection('INVALID_REQUEST', undefined, { reason: 'the request body was already consumed or the client went away' });
    }
    return new Promise<StageResult>((resolve) => {
      const r = req as ReadingRequest;
      r[kRead] = { ctx, limit, chunks: [], total: 0, resolve };
      // A stalled body: the socket times out, nobody handles 'timeout', and node's server
      // destroys the socket; 'close' then ends the read below.
      req.socket.setTimeout(this.#stallMs);
      r.on('data', onData);
      r.on('end', onEnd);
      r.on('error', onGone);
      r.on('close', onGone);
    });
  }

  /** Dry-run: the body is given; only its size is judged. */
  #checkGiven(ctx: RequestContext): StageResult {
    const bytes = ctx.body === null ? 0 : ctx.body.length;
    if (bytes > this.#limit) {
      if (ctx.trace) ctx.note = { summary: `${bytes} bytes, over ${this.#limit}`, facts: { bytes, limit: this.#limit } };
      return tooLarge(this.#limit, `body of ${bytes} bytes`);
    }
    if (ctx.trace) ctx.note = { summary: `${bytes} bytes`, facts: { bytes, limit: this.#limit } };
    return undefined;
  }
}

export function createBodyLimitMiddleware(opts: BodyLimitOptions): Middleware {
  return new BodyLimitMiddleware(opts);
}
