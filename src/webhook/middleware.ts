// One validating webhook as a stage of the chain (SPEC §5). The chain holds one instance per
// configured webhook, in config order, so "first denial wins" is just the runner stopping at the
// first Rejection. Only parsed JSON-RPC requests and notifications are sent: GET/DELETE carry
// no message, and a JSON-RPC response is the client answering the server, not asking for
// anything a policy could refuse.

import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import type { McpMessage } from '../mcp/types.js';
import type { WebhookConfig } from '../config/types.js';
import { WebhookClient } from './client.js';
import type { WebhookTlsMaterial } from './tlsMaterial.js';
import { decide, type Verdict } from './decision.js';
import { PayloadBuilder } from './payload.js';
import { requestHeaders } from './signing.js';

/** Largest request body sent to a webhook (ToolHive's MaxRequestSize); larger ones get 413. */
export const MAX_WEBHOOK_REQUEST_BYTES = 1 << 20;

export interface WebhookStageParams {
  readonly serverName: string;
  readonly transport: string;
  readonly webhook: WebhookConfig;
  /** Compiled at load from webhook.tls (tlsMaterial.ts). */
  readonly tls: WebhookTlsMaterial;
}

class WebhookMiddleware implements Middleware {
  readonly name: string;
  readonly #webhook: WebhookConfig;
  readonly #client: WebhookClient;
  readonly #payload: PayloadBuilder;
  readonly #log: Logger;
  readonly #ignoreFailures: boolean;

  constructor(params: WebhookStageParams, deps: { readonly logger: Logger }) {
    this.#webhook = params.webhook;
    this.name = `webhook ${params.webhook.name}`;
    this.#client = new WebhookClient(params.webhook, params.tls);
    this.#payload = new PayloadBuilder(params);
    this.#log = deps.logger.child({ webhook: params.webhook.name });
    this.#ignoreFailures = params.webhook.failurePolicy === 'ignore';
  }

  handle(ctx: RequestContext): StageResult | Promise<StageResult> {
    const msg = ctx.mcp;
    if (msg === null || msg.kind === 'response' || ctx.body === null) return undefined;
    if (ctx.body.length > MAX_WEBHOOK_REQUEST_BYTES) {
      if (ctx.trace) ctx.note = { summary: `body of ${ctx.body.length} bytes is over the webhook limit of ${MAX_WEBHOOK_REQUEST_BYTES}` };
      return new Rejection('BODY_TOO_LARGE', msg.id, {
        reason: `body of ${ctx.body.length} bytes exceeds the ${MAX_WEBHOOK_REQUEST_BYTES}-byte limit for validating webhooks`,
      });
    }
    return this.#check(ctx, msg, ctx.body);
  }

  async #check(ctx: RequestContext, msg: McpMessage, body: Buffer): Promise<StageResult> {
    const start = performance.now();
    const now = Date.now();
    const payload = this.#payload.build(body, ctx.clientIp, now);
    const result = await this.#client.call(payload.bytes, requestHeaders(this.#webhook.hmacSecret, payload.bytes, now));
    const verdict = decide(result);
    const latencyMs = Math.round(performance.now() - start);
    switch (verdict.outcome) {
      case 'allow':
        this.#log.debug({ outcome: 'allowed', latencyMs, status: 200, uid: payload.uid, method: msg.method }, 'webhook allowed request');
        if (ctx.trace) this.#note(ctx, verdict, latencyMs, `allowed (200 in ${latencyMs} ms)`);
        return undefined;
      case 'deny': {
        const said = verdict.message ?? verdict.reason ?? `HTTP ${verdict.status}`;
        this.#log.info(
          { outcome: 'denied', latencyMs, status: verdict.status, uid: payload.uid, method: msg.method, message: verdict.message, reason: verdict.reason },
          'webhook denied request',
        );
        if (ctx.trace) this.#note(ctx, verdict, latencyMs, `denied: ${said} (in ${latencyMs} ms)`);
        return new Rejection('WEBHOOK_DENIED', msg.id, { reason: said });
      }
      case 'error': {
        const policy = this.#webhook.failurePolicy;
        const action = this.#ignoreFailures ? 'ignored' : 'denied';
        this.#log.warn(
          { outcome: 'error', action, failurePolicy: policy, latencyMs, status: verdict.status, uid: payload.uid, method: msg.method, error: verdict.error },
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
        url: this.#webhook.url,
        failurePolicy: this.#webhook.failurePolicy,
        latencyMs,
        ...verdict,
      },
    };
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

export function createWebhookMiddleware(params: WebhookStageParams, deps: { readonly logger: Logger }): Middleware {
  return new WebhookMiddleware(params, deps);
}
