// The terminal of a dry-run chain: it records that the request would be forwarded, and where,
// instead of sending it anywhere. Nothing reaches the upstream; no child process is started.

import type { RequestContext, Terminal } from '../chain/types.js';

export class RecorderTerminal implements Terminal {
  readonly name = 'proxy';
  readonly #target: string;
  forwarded: RequestContext | null = null;

  constructor(target: string) {
    this.#target = target;
  }

  forward(ctx: RequestContext): void {
    this.forwarded = ctx;
    ctx.trace?.push({
      stage: this.name,
      outcome: 'continue',
      summary: `would forward ${ctx.httpMethod} ${ctx.url} (${ctx.body?.length ?? 0} bytes) to ${this.#target}`,
      facts: { target: this.#target, bytes: ctx.body?.length ?? 0 },
    });
  }
}
