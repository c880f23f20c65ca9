// One server-sent-events response: headers that stop intermediaries from buffering (SPEC §6),
// `event:`/`data:` frames, and a comment ping every ~15 s so idle connections are not cut by
// load balancers. Data handed in is single-line JSON (the child's lines never contain "\n"),
// so one `data:` line per event is enough.
//
// Backpressure: the child is shared by every client, so one slow reader cannot be allowed to
// slow it down; instead each stream may hold a bounded backlog of bytes its client has not read
// yet (SPEC §14). A message that finds more than the bound waiting ends the stream (the client
// reconnects, or gives up) with one warning, rather than letting the proxy grow without end.
// Keep-alive pings are skipped while bytes are waiting: the connection is not idle then.

import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';

export const DEFAULT_KEEPALIVE_MS = 15_000;
/** Default bound of one stream's unread backlog (`--max-stream-buffer`): 16 MiB. */
export const DEFAULT_MAX_STREAM_BUFFER_BYTES = 16 * 1024 * 1024;
/** Default bound of open SSE streams per session, the GET stream included. */
export const DEFAULT_MAX_STREAMS_PER_SESSION = 16;
const PING = ': ping\n\n';

/** What every stream of one terminal shares; built once. */
export interface SseSettings {
  readonly keepAliveMs: number;
  /** Unread bytes a stream may hold; a message finding more ends the stream. */
  readonly maxBufferBytes: number;
  /** Open streams per session (GET included); past it a request's related messages use the GET stream. */
  readonly maxStreamsPerSession: number;
  readonly logger: Logger;
}

export class SseStream {
  readonly #res: ServerResponse;
  readonly #settings: SseSettings;
  readonly #sessionId: string;
  readonly #timer: NodeJS.Timeout;
  #closed = false;
  /** Called once when the stream ends, from either side. */
  onClose: (() => void) | null = null;

  constructor(res: ServerResponse, settings: SseSettings, sessionId: string, headers?: Readonly<Record<string, string>>) {
    this.#res = res;
    this.#settings = settings;
    this.#sessionId = sessionId;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    this.#timer = setInterval(this.#ping, settings.keepAliveMs);
    this.#timer.unref();
    res.once('close', () => this.#closedNow());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** False when the stream is gone, or is ended now because its client stopped reading (the message is then lost for it). */
  send(data: string, event = 'message'): boolean {
    if (this.#closed) return false;
    // Counts what node holds for this response (its own buffer and the socket's), not the kernel's.
    const buffered = this.#res.writableLength;
    if (buffered > this.#settings.maxBufferBytes) {
      this.#overflow(buffered);
      return false;
    }
    this.#res.write(`event: ${event}\ndata: ${data}\n\n`);
    return true;
  }

  end(): void {
    if (this.#closed) return;
    // A response destroyed before its 'close' arrived (shutdown cut it) is not ended: end() would
    // mark it finished, and the request log would take it for a complete answer.
    if (!this.#res.destroyed) this.#res.end();
    this.#closedNow();
  }

  readonly #ping = (): void => {
    if (this.#res.writableLength === 0) this.#res.write(PING);
  };

  #overflow(buffered: number): void {
    const max = this.#settings.maxBufferBytes;
    this.#settings.logger.warn(
      { session: this.#sessionId, bufferedBytes: buffered, maxStreamBufferBytes: max },
      `SSE client of session ${this.#sessionId} is not reading: stream ended with ${buffered} bytes buffered (bound ${max})`,
    );
    // destroy, not end: end would keep the backlog in memory until the client read it.
    this.#res.destroy();
    this.#closedNow();
  }

  #closedNow(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    const cb = this.onClose;
    this.onClose = null;
    cb?.();
  }
}
