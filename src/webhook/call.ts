// One configured webhook as both kinds of webhook stage use it (SPEC §5, §11 "same config,
// payload, signing, limits and timeouts"): the payload built around the request bytes, the HMAC
// signature, the call over the webhook's own keep-alive pool with its TLS material, and what the
// answer means. The validating and the mutating middleware differ only in what they do with the
// judgement; everything on the wire is here, once.

import { performance } from 'node:perf_hooks';
import { Rejection } from '../errors.js';
import type { RequestContext } from '../chain/types.js';
import type { McpMessage } from '../mcp/types.js';
import type { WebhookConfig } from '../config/types.js';
import { formatDuration } from '../config/duration.js';
import { urlForDisplay } from '../config/urlText.js';
import { WebhookClient } from './client.js';
import { judge, type Verdict } from './decision.js';
import { PayloadBuilder } from './payload.js';
import { requestHeaders } from './signing.js';
import type { WebhookTlsMaterial } from './tlsMaterial.js';
import { NO_TELEMETRY, type StageTelemetry } from '../telemetry/hooks.js';

/** Largest request body sent to a webhook (ToolHive's MaxRequestSize); larger ones get 413. */
export const MAX_WEBHOOK_REQUEST_BYTES = 1 << 20;

export interface WebhookStageParams {
  readonly serverName: string;
  readonly transport: string;
  readonly webhook: WebhookConfig;
  /** Compiled at load from webhook.tls (tlsMaterial.ts). */
  readonly tls: WebhookTlsMaterial;
  /** Which stage calls (for telemetry); default validating. */
  readonly kind?: 'validating' | 'mutating' | undefined;
  /** Each call's decision and latency, its span and traceparent (SPEC §12); added at create. */
  readonly telemetry?: StageTelemetry | undefined;
}

/** One call: its uid (logged), how long it took, the verdict and, on allow, the answer. */
export interface WebhookExchange {
  readonly uid: string;
  readonly latencyMs: number;
  readonly verdict: Verdict;
  readonly answer: Record<string, unknown> | undefined;
  /** The answer's bytes as received (undefined when the call failed before a response body). */
  readonly raw: Buffer | undefined;
}

export class WebhookCaller {
  readonly webhook: WebhookConfig;
  /** The URL as dry-run and validate show it: no userinfo, no query values (SPEC §8). */
  readonly urlText: string;
  readonly #client: WebhookClient;
  readonly #payload: PayloadBuilder;
  readonly #telemetry: StageTelemetry;
  readonly #kind: 'validating' | 'mutating';

  constructor(params: WebhookStageParams) {
    this.webhook = params.webhook;
    this.urlText = urlForDisplay(params.webhook.url);
    this.#telemetry = params.telemetry ?? NO_TELEMETRY;
    this.#kind = params.kind ?? 'validating';
    this.#client = new WebhookClient(params.webhook, params.tls);
    this.#payload = new PayloadBuilder(params);
  }

  /** Send `body` (the request as it stands now, embedded byte for byte); never rejects. */
  async call(ctx: RequestContext, body: Buffer): Promise<WebhookExchange> {
    const start = performance.now();
    const now = Date.now();
    const payload = this.#payload.build(body, ctx.clientIp, now, ctx.principal);
    const headers = requestHeaders(this.webhook.hmacSecret, payload.bytes, now);
    const observed = this.#telemetry.enabled;
    // The call's own span id goes to the webhook as its parent (W3C traceparent, SPEC §12).
    const traced = observed ? this.#telemetry.webhookStarting(ctx, this.webhook.name) : null;
    if (traced !== null) {
      headers.traceparent = traced.traceparent;
      if (traced.tracestate !== undefined) headers.tracestate = traced.tracestate;
    }
    const result = await this.#client.call(payload.bytes, headers);
    const { verdict, answer } = judge(result);
    if (observed) {
      const w = this.webhook;
      this.#telemetry.webhookCalled(ctx, traced, { webhook: w.name, kind: this.#kind, outcome: verdict.outcome, failurePolicy: w.failurePolicy, status: verdict.status, startMs: start, endMs: performance.now() });
    }
    const raw = result.ok ? result.body : undefined;
    return { uid: payload.uid, latencyMs: Math.round(performance.now() - start), verdict, answer, raw };
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}

/**
 * The 413 every webhook stage answers before calling anything when the body is over
 * MAX_WEBHOOK_REQUEST_BYTES (`kind`: "validating" or "mutating", for the log's reason).
 */
export function oversizedForWebhooks(ctx: RequestContext, msg: McpMessage, body: Buffer, kind: string): Rejection | undefined {
  if (body.length <= MAX_WEBHOOK_REQUEST_BYTES) return undefined;
  if (ctx.trace) ctx.note = { summary: `body of ${body.length} bytes is over the webhook limit of ${MAX_WEBHOOK_REQUEST_BYTES}` };
  return new Rejection('BODY_TOO_LARGE', msg.id, {
    reason: `body of ${body.length} bytes exceeds the ${MAX_WEBHOOK_REQUEST_BYTES}-byte limit for ${kind} webhooks`,
  });
}

/** The line `validate` prints for a webhook stage of either kind. */
export function webhookSummary(webhook: WebhookConfig): string {
  return `${urlForDisplay(webhook.url)} timeout ${formatDuration(webhook.timeoutMs)} failure_policy ${webhook.failurePolicy}${webhook.hmacSecret ? ' signed' : ''}`;
}
