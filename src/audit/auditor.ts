// Writes one audit event per request (SPEC §12) when its response closes, to logFile or stdout,
// through an asynchronous buffered writer: an audit write never blocks the request path. A disk
// that cannot keep up makes the buffer drop events past 16 MiB (counted and warned about, once
// per 10 s) rather than grow without bound. A file that cannot be written at all (a full disk,
// /dev/full) is let go: events are dropped and counted, one error line per 10 s, and the file is
// opened again after 10 s. Retrying the same buffer forever flooded the log (a line per 50 ms)
// and kept shutdown waiting for a flush that could never happen.

import type { Logger } from 'pino';
import type { RequestContext } from '../chain/types.js';
import { lineDestination, logDestination, type BufferedDestination } from '../observability/logger.js';
import type { AuditParams } from './config.js';
import { auditLine, eventType } from './event.js';

const MAX_BUFFER_BYTES = 16 * 1024 * 1024;
/** Warnings about dropped events, and attempts to open a failing file again: at most one per this. */
const RETRY_MS = 10_000;
/** Shutdown waits at most this for the audit file to take what is buffered. */
const CLOSE_BOUND_MS = 2_000;
const kCapture = Symbol('thv.audit.response');

type Writable = { write(chunk: string): unknown; flush?(): void; end?(): void };

/** The first maxDataSize bytes of a response, taken as the terminal writes them. */
class ResponseCapture {
  readonly chunks: Buffer[] = [];
  kept = 0;
  total = 0;

  constructor(readonly max: number) {}

  take(chunk: unknown, encoding: unknown): void {
    if (chunk === undefined || chunk === null || typeof chunk === 'function') return;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
    this.total += buf.length;
    if (this.kept >= this.max) return;
    const part = buf.length <= this.max - this.kept ? buf : buf.subarray(0, this.max - this.kept);
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }
}

type CapturedResponse = { [kCapture]?: ResponseCapture; write: (...a: unknown[]) => boolean; end: (...a: unknown[]) => unknown };

export class Auditor {
  readonly #p: AuditParams;
  #out: Writable;
  readonly #ownsOut: boolean;
  readonly #logger: Logger;
  #dropped = 0;
  #lastDropWarn = -Infinity;
  /** When the audit file last failed a write; events are dropped until RETRY_MS after it. */
  #failedAt: number | null = null;

  constructor(p: AuditParams, logger: Logger) {
    this.#p = p;
    this.#logger = logger;
    if (p.logFile !== null) {
      this.#out = this.#open(p.logFile);
      this.#ownsOut = true;
    } else {
      // stdout: the process logger's own buffered writer, so audit and log lines never interleave.
      const shared = logDestination(logger);
      this.#out = shared ?? lineDestination({ dest: 1, minLength: 4096, periodicFlush: 50 });
      this.#ownsOut = shared === undefined;
    }
  }

  #open(file: string): BufferedDestination {
    const dest = lineDestination({ dest: file, mkdir: false, mode: 0o600, minLength: 4096, periodicFlush: 50, maxLength: MAX_BUFFER_BYTES });
    dest.on('drop', () => this.#drop());
    dest.on('error', (err: Error) => this.#failed(dest, err));
    return dest;
  }

  /** The file refused a write: let it go (its buffer is lost), drop events, try again later. */
  #failed(dest: BufferedDestination, err: Error): void {
    if (dest !== this.#out) return;
    const now = Date.now();
    this.#failedAt = now;
    try {
      dest.destroy();
    } catch {
      // already closed
    }
    if (now - this.#lastDropWarn < RETRY_MS) return;
    this.#lastDropWarn = now;
    this.#logger.error({ err, file: this.#p.logFile, dropped: this.#dropped }, `audit log write failed: events are dropped until it can be written again (tried every ${RETRY_MS / 1000} s)`);
  }

  #drop(): void {
    this.#dropped++;
    const now = Date.now();
    if (now - this.#lastDropWarn < 10_000) return;
    this.#lastDropWarn = now;
    this.#logger.warn({ dropped: this.#dropped, file: this.#p.logFile }, 'audit events dropped: the audit log cannot keep up');
  }

  /** Before the chain: with includeResponseData, tap the response's writes. */
  requestStarted(ctx: RequestContext): void {
    if (!this.#p.includeResponseData || ctx.res === null) return;
    const res = ctx.res as unknown as CapturedResponse;
    const capture = new ResponseCapture(this.#p.maxDataSize);
    res[kCapture] = capture;
    const write = res.write;
    const end = res.end;
    res.write = function (this: unknown, chunk: unknown, encoding?: unknown, cb?: unknown) {
      capture.take(chunk, encoding);
      return write.call(this, chunk, encoding, cb);
    };
    res.end = function (this: unknown, chunk?: unknown, encoding?: unknown, cb?: unknown) {
      capture.take(chunk, encoding);
      return end.call(this, chunk, encoding, cb);
    };
  }

  /** At the response's close: the event, when its type is audited. */
  requestEnded(ctx: RequestContext, status: number): void {
    const p = this.#p;
    const type = eventType(ctx, p.transport);
    if (p.excludeEventTypes.has(type) || (p.eventTypes !== null && !p.eventTypes.has(type))) return;
    const capture = ctx.res === null ? undefined : (ctx.res as unknown as CapturedResponse)[kCapture];
    const line = auditLine(ctx, type, p, {
      status,
      durationMs: Number(process.hrtime.bigint() - ctx.startNs) / 1e6,
      response: capture === undefined ? null : Buffer.concat(capture.chunks, capture.kept),
      responseBytes: capture?.total ?? 0,
      // An event stream ends when its client closes it: that is how streams end, not a failure.
      aborted: ctx.res !== null && !ctx.res.writableFinished && !ctx.streaming,
    });
    if (this.#failedAt !== null) {
      if (Date.now() - this.#failedAt < RETRY_MS) {
        this.#drop();
        return;
      }
      this.#failedAt = null;
      this.#out = this.#open(p.logFile!);
    }
    this.#out.write(line);
  }

  /** Shutdown: write what is buffered. */
  async close(): Promise<void> {
    const out = this.#out as Writable & { flushSync?(): void; fd?: number; destroy?(): void };
    if (!this.#ownsOut || this.#failedAt !== null) return;
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        // A file that takes nothing more must not hold the process: what is left is lost.
        try {
          out.destroy?.();
        } catch {
          // already closed
        }
        resolve();
      }, CLOSE_BOUND_MS);
    });
    const closed = new Promise<void>((resolve) => {
      try {
        out.flushSync?.();
      } catch {
        // not yet open, or nothing buffered
      }
      if (out.end) {
        (out as unknown as NodeJS.EventEmitter).once('close', () => resolve());
        (out as unknown as NodeJS.EventEmitter).once('error', () => resolve());
        out.end();
      } else resolve();
    });
    await Promise.race([closed, bound]);
    clearTimeout(timer);
  }
}
