// One validating webhook as a stage of the chain (SPEC §5). The chain holds one instance per
// configured webhook, in config order, so "first denial wins" is just the runner stopping at the
// first Rejection. Only parsed JSON-RPC requests and notifications are sent: GET/DELETE carry
// no message, and a JSON-RPC response is the client answering the server, not asking for
// anything a policy could refuse.

import type { Logger } from 'pino';
import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import type { McpMessage } from '../mcp/types.js';
import type { WebhookConfig } from '../config/types.js';
import type { Verdict } from './decision.js';
import { oversizedForWebhooks, WebhookCaller, type WebhookStageParams } from './call.js';

export { MAX_WEBHOOK_REQUEST_BYTES, type WebhookStageParams } from './call.js';

class WebhookMiddleware implements Middleware {
  readonly name: string;
  readonly #webhook: WebhookConfig;
  readonly #caller: WebhookCaller;
  readonly #log: Logger;
  readonly #ignoreFailures: boolean;

  constructor(params: WebhookStageParams, deps: { readonly logger: Logger }) {
    this.#webhook = params.webhook;
    this.name = `webhook ${params.webhook.name}`;
    this.#caller = new WebhookCaller(params);
    this.#log = deps.logger.child({ webhook: params.webhook.name });
    this.#ignoreFailures = params.webhook.failurePolicy === 'ignore';
  }

  handle(ctx: RequestContext): StageResult | Promise<StageResult> {
    const msg = ctx.mcp;
    if (msg === null || msg.kind === 'response' || ctx.body === null) return undefined;
    return oversizedForWebhooks(ctx, msg, ctx.body, 'validating') ?? this.#check(ctx, msg, ctx.body);
  }

  async #check(ctx: RequestContext, msg: McpMessage, body: Buffer): Promise<StageResult> {
    const { uid, latencyMs, verdict } = await this.#caller.call(ctx, body);
    switch (verdict.outcome) {
      case 'allow':
        this.#log.debug({ outcome: 'allowed', latencyMs, status: 200, uid, method: msg.method }, 'webhook allowed request');
        if (ctx.trace) this.#note(ctx, verdict, latencyMs, `allowed (200 in ${latencyMs} ms)`);
        return undefined;
      case 'deny': {
        const said = verdict.message ?? verdict.reason ?? `HTTP ${verdict.status}`;
        this.#log.info(
          { outcome: 'denied', latencyMs, status: verdict.status, uid, method: msg.method, message: verdict.message, reason: verdict.reason },
          'webhook denied request',
        );
        if (ctx.trace) this.#note(ctx, verdict, latencyMs, `denied: ${said} (in ${latencyMs} ms)`);
        return new Rejection('WEBHOOK_DENIED', msg.id, { reason: said });
      }
      case 'error': {
        const policy = this.#webhook.failurePolicy;
        const action = this.#ignoreFailures ? 'ignored' : 'denied';
        this.#log.warn(
          { outcome: 'error', action, failurePolicy: policy, latencyMs, status: verdict.status, uid, method: msg.method, error: verdict.error },
          `webhook call failed; request ${action} (failure_policy ${policy})`,
        );
        if (ctx.trace) this.#note(ctx, verdict, latencyMs, `error: ${verdict.error} -> ${action} (failure_policy ${policy})`);
        if (this.#ignoreFailures) return undefined;
        return new Rejection('WEBHOOK_DENIED', msg.id, { reason: `webhook failed (${verdict.error}); failure_policy fail` });
      }
    }
  }

  /** Dry-run only: what was asked and what came back. */
  #note(ctx: RequestContext, verdict: Verdict, latencyMs: number, summary: string): void {
    ctx.note = {
      summary,
      facts: {
        webhook: this.#webhook.name,
        url: this.#caller.urlText,
        failurePolicy: this.#webhook.failurePolicy,
        latencyMs,
        ...verdict,
      },
    };
  }

  async close(): Promise<void> {
    await this.#caller.close();
  }
}

export function createWebhookMiddleware(params: WebhookStageParams, deps: { readonly logger: Logger }): Middleware {
  return new WebhookMiddleware(params, deps);
}
