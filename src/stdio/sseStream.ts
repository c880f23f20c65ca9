// One server-sent-events response: headers that stop intermediaries from buffering (SPEC §6),
// `event:`/`data:` frames, and a comment ping every ~15 s so idle connections are not cut by
// load balancers. Data handed in is single-line JSON (the child's lines never contain "\n"),
// so one `data:` line per event is enough.

import type { ServerResponse } from 'node:http';

export const DEFAULT_KEEPALIVE_MS = 15_000;
const PING = ': ping\n\n';

export class SseStream {
  readonly #res: ServerResponse;
  readonly #timer: NodeJS.Timeout;
  #closed = false;
  /** Called once when the stream ends, from either side. */
  onClose: (() => void) | null = null;

  constructor(res: ServerResponse, keepAliveMs: number, headers?: Readonly<Record<string, string>>) {
    this.#res = res;
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    this.#timer = setInterval(() => res.write(PING), keepAliveMs);
    this.#timer.unref();
    res.once('close', () => this.#closedNow());
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** False when the stream is already gone (the message is then lost for this stream). */
  send(data: string, event = 'message'): boolean {
    if (this.#closed) return false;
    this.#res.write(`event: ${event}\ndata: ${data}\n\n`);
    return true;
  }

  end(): void {
    if (this.#closed) return;
    this.#res.end();
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
