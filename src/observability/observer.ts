// What watches every request besides the request log (SPEC §12): telemetry (metrics, the
// request's span) and the audit log. The server calls it at three points of a request — after the
// context is built, before the terminal forwards, when the response closes — and holds none when
// neither telemetry_config nor audit_config is set, so then nothing is created per request.

import type { RequestContext } from '../chain/types.js';
import type { Auditor } from '../audit/auditor.js';
import type { Telemetry } from '../telemetry/telemetry.js';

export class RequestObserver {
  readonly #telemetry: Telemetry | null;
  readonly #auditor: Auditor | null;

  constructor(telemetry: Telemetry | null, auditor: Auditor | null) {
    this.#telemetry = telemetry;
    this.#auditor = auditor;
  }

  requestStarted(ctx: RequestContext): void {
    this.#telemetry?.requestStarted();
    this.#auditor?.requestStarted(ctx);
  }

  /** The terminal is about to forward: the span now exists, so ctx.span has the upstream's traceparent. */
  forwarding(ctx: RequestContext): void {
    this.#telemetry?.forwarding(ctx);
  }

  requestEnded(ctx: RequestContext): void {
    const status = ctx.res?.statusCode ?? 0;
    this.#telemetry?.requestEnded(ctx, status);
    this.#auditor?.requestEnded(ctx, status);
  }

  /** Shutdown: pending spans and metrics exported, audit lines written (SIGTERM flushes, SPEC §12). */
  async close(): Promise<void> {
    await Promise.allSettled([this.#telemetry?.shutdown(), this.#auditor?.close()]);
  }
}

/** The observer of a proxy, or null when it has nothing to observe with. */
export function createObserver(telemetry: Telemetry | null, auditor: Auditor | null): RequestObserver | null {
  return telemetry === null && auditor === null ? null : new RequestObserver(telemetry, auditor);
}
