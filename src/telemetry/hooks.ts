// What the stages tell telemetry (SPEC §12), as plain calls on one object the chain's deps carry.
// Stages import only this file: no OpenTelemetry type reaches them, and when telemetry_config is
// absent they hold NO_TELEMETRY, whose `enabled` is false so they skip even the clock reads.

import type { RequestContext } from '../chain/types.js';

/** How a rate-limit check ended (ToolHive's decision, or the store failing). */
export type RateLimitOutcome = 'allowed' | 'rejected' | 'failed-open' | 'failed-closed';

/** One rate-limit check, reported once it is over. */
export interface RateLimitCheck {
  readonly outcome: RateLimitOutcome;
  /** The buckets checked, by scope (`shared`, `tool:<name>`, `user`, `user-tool:<name>`). */
  readonly buckets: readonly { readonly scope: string }[];
  /** The rejecting bucket's scope when rejected. */
  readonly rejectedScope: string | undefined;
  /** The store's error when it failed. */
  readonly error: unknown;
  /** performance.now() before the store call, and after it answered. */
  readonly startMs: number;
  readonly endMs: number;
}

/** One webhook call, reported once its answer is judged. */
export interface WebhookCallReport {
  readonly webhook: string;
  readonly kind: 'validating' | 'mutating';
  readonly outcome: 'allow' | 'deny' | 'error';
  /** For errors: what the failure policy did (`ignore`: request went on, `fail`: refused). */
  readonly failurePolicy: 'fail' | 'ignore';
  /** The webhook's HTTP status when it answered. */
  readonly status: number | undefined;
  readonly startMs: number;
  readonly endMs: number;
}

/** An outgoing call's trace context (the W3C headers to send with it); null when not traced. */
export interface OutgoingTrace {
  readonly traceparent: string;
  readonly tracestate: string | undefined;
}

export interface StageTelemetry {
  /** False when telemetry is off: stages skip timing and reporting entirely. */
  readonly enabled: boolean;
  rateLimitChecked(ctx: RequestContext, check: RateLimitCheck): void;
  /**
   * A webhook call is about to start: its child span (when the request is traced) and the
   * traceparent to send; null when nothing is traced. Pass the result to webhookCalled.
   */
  webhookStarting(ctx: RequestContext, webhook: string): OutgoingCall | null;
  webhookCalled(ctx: RequestContext, call: OutgoingCall | null, report: WebhookCallReport): void;
}

/** A started outgoing call (opaque to stages beyond its headers). */
export interface OutgoingCall extends OutgoingTrace {}

export const NO_TELEMETRY: StageTelemetry = Object.freeze({
  enabled: false,
  rateLimitChecked(): void {},
  webhookStarting(): null {
    return null;
  },
  webhookCalled(): void {},
});
