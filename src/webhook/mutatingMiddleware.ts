// One mutating webhook as a stage of the chain (SPEC §11). The chain holds one instance per
// configured webhook, in config order, before the validating webhooks: each sees the request as
// the previous one left it (ctx.body), and whatever it patches becomes the request every later
// stage and the upstream see (ctx.body, ctx.mcp). The wire side — payload, signature, client,
// timeout, 1 MiB limits, what an answer means — is the validating webhooks' own (call.ts).
//
// A request no webhook patches keeps its original bytes: nothing is parsed or serialised for it
// beyond the webhook's answer.

import type { Logger } from 'pino';
import { Rejection, type RejectionKind } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import type { McpMessage } from '../mcp/types.js';
import type { WebhookConfig } from '../config/types.js';
import { MAX_WEBHOOK_REQUEST_BYTES, oversizedForWebhooks, WebhookCaller, type WebhookExchange, type WebhookStageParams } from './call.js';
import { applyWebhookPatch, type PatchOpSummary } from './patch.js';

export interface MutatingWebhookParams extends WebhookStageParams {
  /** The request body limit (max_body_bytes): a patched request may not outgrow it. */
  readonly maxBodyBytes: number;
}

const EMPTY = Buffer.alloc(0);

function describeOps(ops: readonly PatchOpSummary[]): string {
  return ops.map((o) => (o.from === undefined ? `${o.op} ${o.path}` : `${o.op} ${o.from} -> ${o.path}`)).join(', ');
}

class MutatingWebhookMiddleware implements Middleware {
  readonly name: string;
  readonly #webhook: WebhookConfig;
  readonly #caller: WebhookCaller;
  readonly #log: Logger;
  readonly #ignoreFailures: boolean;
  /** Later webhooks must still be able to receive the result: the smaller of the two limits. */
  readonly #maxResultBytes: number;

  constructor(params: MutatingWebhookParams, deps: { readonly logger: Logger }) {
    this.#webhook = params.webhook;
    this.name = `mutating-webhook ${params.webhook.name}`;
    this.#caller = new WebhookCaller(params);
    this.#log = deps.logger.child({ webhook: params.webhook.name, webhookType: 'mutating' });
    this.#ignoreFailures = params.webhook.failurePolicy === 'ignore';
    this.#maxResultBytes = Math.min(params.maxBodyBytes, MAX_WEBHOOK_REQUEST_BYTES);
  }

  handle(ctx: RequestContext): StageResult | Promise<StageResult> {
    const msg = ctx.mcp;
    if (msg === null || msg.kind === 'response' || ctx.body === null) return undefined;
    return oversizedForWebhooks(ctx, msg, ctx.body, 'mutating') ?? this.#mutate(ctx, msg, ctx.body);
  }

  async #mutate(ctx: RequestContext, msg: McpMessage, body: Buffer): Promise<StageResult> {
    const exchange = await this.#caller.call(ctx, body);
    const { verdict, latencyMs, uid } = exchange;
    if (verdict.outcome === 'deny') {
      // Honoured whatever the failure policy: the webhook decided, it did not fail.
      const said = verdict.message ?? verdict.reason ?? `HTTP ${verdict.status}`;
      this.#log.info(
        { outcome: 'denied', latencyMs, status: verdict.status, uid, method: msg.method, message: verdict.message, reason: verdict.reason },
        'mutating webhook denied request',
      );
      if (ctx.trace) this.#note(ctx, exchange, `denied: ${said} (in ${latencyMs} ms)`);
      return new Rejection(verdict.status === 422 ? 'MUTATING_WEBHOOK_UNPROCESSABLE' : 'MUTATING_WEBHOOK_DENIED', msg.id, { reason: said });
    }
    if (verdict.outcome === 'error') return this.#failed(ctx, msg, exchange, 'MUTATING_WEBHOOK_FAILED', verdict.error);

    const result = applyWebhookPatch(body, msg, exchange.answer!, exchange.raw ?? EMPTY, this.#maxResultBytes);
    switch (result.outcome) {
      case 'unchanged':
        this.#log.debug({ outcome: 'allowed', latencyMs, status: 200, uid, method: msg.method }, 'mutating webhook allowed request without a patch');
        if (ctx.trace) this.#note(ctx, exchange, `allowed, no patch (200 in ${latencyMs} ms)`, result.ops);
        return undefined;
      case 'patched': {
        ctx.body = result.body;
        ctx.mcp = result.mcp;
        const applied = (ctx.patches ??= []);
        for (const op of result.ops) applied.push({ webhook: this.#webhook.name, ...op });
        this.#log.debug(
          { outcome: 'patched', latencyMs, status: 200, uid, method: msg.method, patch: result.ops, bytes: result.body.length },
          'mutating webhook patched request',
        );
        if (ctx.trace) this.#note(ctx, exchange, `patched: ${describeOps(result.ops)} (200 in ${latencyMs} ms)`, result.ops);
        return undefined;
      }
      case 'failed':
        return this.#failed(ctx, msg, exchange, result.kind, result.detail);
    }
  }

  /** A failure of the webhook or of its patch: failure_policy decides; the request stays as it was. */
  #failed(ctx: RequestContext, msg: McpMessage, exchange: WebhookExchange, kind: RejectionKind, error: string): StageResult {
    const policy = this.#webhook.failurePolicy;
    const action = this.#ignoreFailures ? 'ignored' : 'denied';
    this.#log.warn(
      { outcome: 'error', action, failurePolicy: policy, latencyMs: exchange.latencyMs, status: exchange.verdict.status, uid: exchange.uid, method: msg.method, error },
      `mutating webhook failed; request ${action} (failure_policy ${policy})`,
    );
    if (ctx.trace) this.#note(ctx, exchange, `error: ${error} -> ${action} (failure_policy ${policy})`, undefined, error);
    if (this.#ignoreFailures) return undefined;
    return new Rejection(kind, msg.id, { reason: `mutating webhook failed (${error}); failure_policy fail` });
  }

  /** Dry-run only: what was asked, what came back, which operations were applied (never values). */
  #note(ctx: RequestContext, exchange: WebhookExchange, summary: string, patch?: readonly PatchOpSummary[], error?: string): void {
    const { verdict } = exchange;
    ctx.note = {
      summary,
      facts: {
        webhook: this.#webhook.name,
        url: this.#caller.urlText,
        failurePolicy: this.#webhook.failurePolicy,
        latencyMs: exchange.latencyMs,
        ...verdict,
        ...(error !== undefined ? { outcome: 'error', error } : {}),
        ...(patch !== undefined ? { patch } : {}),
      },
    };
  }

  async close(): Promise<void> {
    await this.#caller.close();
  }
}

export function createMutatingWebhookMiddleware(params: MutatingWebhookParams, deps: { readonly logger: Logger }): Middleware {
  return new MutatingWebhookMiddleware(params, deps);
}
