// The rate-limit stage (SPEC §4). Only `tools/call` is limited: every other message returns
// synchronously with no store call. The buckets a call must pass are built once per tool (and
// per user, for per-user buckets: bucketPlan.ts), so the hot path is one or two Map lookups and
// one store call. Fail-open lives here, not in the store:
// the store reports failures, this stage decides that a failed check lets the request through
// (or, with `--rate-limit-failure-mode closed`, answers 503).

import type { Logger } from 'pino';
import { Rejection, type RejectionKind } from '../errors.js';
import type { RateLimitConfig } from '../config/types.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import type { BucketRef, Decision, TokenBucketStore } from './store.js';
import { BucketPlan } from './bucketPlan.js';
import { FailOpenMeter, type FailOpenStats } from './failOpen.js';
import { NO_TELEMETRY, type StageTelemetry } from '../telemetry/hooks.js';

export interface RateLimitParams {
  readonly serverName: string;
  readonly rateLimit: RateLimitConfig;
}

/** What a failed check does (`--rate-limit-failure-mode`): let the request through, or 503. */
export type RateLimitFailureMode = 'open' | 'closed';
/** JSON-RPC code of the rejection (`--rate-limit-code`, SPEC §4): the seeds' -32029 or ToolHive v0.41's 429. */
export type RateLimitCode = -32029 | 429;

/** How the stage answers, set on the command line (`run`, `dry-run`): by default it fails open (as ToolHive) and uses -32029 (the seeds'). */
export interface RateLimitBehaviour {
  /** Default 'open'. */
  readonly failureMode?: RateLimitFailureMode | undefined;
  /** Default -32029. */
  readonly code?: RateLimitCode | undefined;
}

export interface RateLimitDeps extends RateLimitBehaviour {
  readonly store: TokenBucketStore;
  readonly logger: Logger;
  /** 'peek' (dry-run without --consume) reads the buckets and writes nothing. */
  readonly mode: 'consume' | 'peek';
  /** Decisions, check latency, store errors and fail-open (SPEC §12); absent: not reported. */
  readonly telemetry?: StageTelemetry | undefined;
}

export interface RateLimitMiddleware extends Middleware {
  /** Requests let through because the store failed (for /ready and logs). */
  readonly failOpen: FailOpenStats;
}

function fmt(tokens: number): string {
  return String(Math.floor(tokens * 10) / 10);
}

class RateLimitStage implements RateLimitMiddleware {
  readonly name = 'rate-limit';
  readonly failOpen: FailOpenMeter;
  readonly #store: TokenBucketStore;
  readonly #peek: boolean;
  readonly #plan: BucketPlan;
  readonly #closed: boolean;
  readonly #limited: RejectionKind;
  readonly #telemetry: StageTelemetry;

  constructor(params: RateLimitParams, deps: RateLimitDeps) {
    this.#store = deps.store;
    this.#peek = deps.mode === 'peek';
    this.#closed = deps.failureMode === 'closed';
    this.#limited = deps.code === 429 ? 'RATE_LIMITED_HTTP_CODE' : 'RATE_LIMITED';
    this.failOpen = new FailOpenMeter(deps.logger, { closed: this.#closed });
    this.#telemetry = deps.telemetry ?? NO_TELEMETRY;
    this.#plan = new BucketPlan(params);
  }

  handle(ctx: RequestContext): StageResult | Promise<StageResult> {
    const mcp = ctx.mcp;
    if (mcp === null || mcp.method !== 'tools/call' || mcp.kind === 'response') {
      if (ctx.trace) ctx.note = { summary: `not limited (only tools/call is)${mcp?.method ? `: ${mcp.method}` : ''}` };
      return undefined;
    }
    const tool = mcp.resourceId;
    const buckets = this.#plan.for(tool, ctx.principal?.sub);
    if (buckets.length === 0) {
      if (ctx.trace) ctx.note = { summary: `no bucket applies to tool "${tool ?? ''}"` };
      return undefined;
    }
    // Dry-run (trace) and peek take the annotated path; a served request one promise chain.
    if (ctx.trace !== null || this.#peek) return this.#checkTraced(ctx, buckets);
    if (this.#telemetry.enabled) return this.#checkObserved(ctx, buckets);
    if (this.#closed) return this.#store.consume(buckets, false).then((d) => this.#decided(ctx, d), (err: unknown) => this.#refused(ctx, err));
    return this.#store.consume(buckets, false).then((d) => this.#decided(ctx, d), this.#failedOpen);
  }

  /** A failed check lets the request through (SPEC §4 fail-open); built once, not per request. */
  readonly #failedOpen = (err: unknown): undefined => {
    this.failOpen.record(err);
    return undefined;
  };

  /** A failed check with `--rate-limit-failure-mode closed`: 503, counted like fail-open. */
  #refused(ctx: RequestContext, err: unknown): Rejection {
    this.failOpen.record(err);
    return new Rejection('RATE_LIMIT_UNAVAILABLE', ctx.mcp!.id, { reason: `rate-limit check failed (failure mode closed): ${this.failOpen.lastCause}` });
  }

  /** With telemetry on: the same check, timed and reported to telemetry (SPEC §12). */
  async #checkObserved(ctx: RequestContext, buckets: readonly BucketRef[]): Promise<StageResult> {
    const startMs = performance.now();
    let d: Decision;
    try {
      d = await this.#store.consume(buckets, false);
    } catch (err) {
      const outcome = this.#closed ? 'failed-closed' : 'failed-open';
      this.#telemetry.rateLimitChecked(ctx, { outcome, buckets, rejectedScope: undefined, error: err, startMs, endMs: performance.now() });
      return this.#closed ? this.#refused(ctx, err) : this.#failedOpen(err);
    }
    const outcome = d.allowed ? 'allowed' : 'rejected';
    this.#telemetry.rateLimitChecked(ctx, { outcome, buckets, rejectedScope: d.rejectedScope, error: undefined, startMs, endMs: performance.now() });
    return this.#decided(ctx, d);
  }

  #decided(ctx: RequestContext, d: Decision): StageResult {
    this.failOpen.recovered();
    return d.allowed ? undefined : rejection(ctx, d, this.#limited);
  }

  async #checkTraced(ctx: RequestContext, buckets: readonly BucketRef[]): Promise<StageResult> {
    let d: Decision;
    try {
      d = await (this.#peek ? this.#store.peek(buckets) : this.#store.consume(buckets, true));
    } catch (err) {
      if (this.#closed) {
        const refused = this.#refused(ctx, err);
        if (ctx.trace !== null) ctx.note = { summary: `refused: store failed (failure mode closed): ${this.failOpen.lastCause}`, facts: { failOpen: false, failureMode: 'closed' } };
        return refused;
      }
      this.failOpen.record(err);
      if (ctx.trace !== null) ctx.note = { summary: `allowed unchecked: store failed (fail-open): ${this.failOpen.lastCause}`, facts: { failOpen: true } };
      return undefined;
    }
    this.failOpen.recovered();
    if (ctx.trace !== null) ctx.note = note(d, this.#peek, this.#plan.perUser ? ctx.principal?.sub : undefined);
    return d.allowed ? undefined : rejection(ctx, d, this.#limited);
  }
}

function rejection(ctx: RequestContext, d: Decision, kind: RejectionKind): Rejection {
  const s = d.retryAfterSeconds;
  return new Rejection(kind, ctx.mcp!.id, {
    headers: { 'retry-after': String(s) },
    data: { retryAfterSeconds: s, scope: d.rejectedScope },
    reason: `bucket ${d.rejectedScope} is empty`,
  });
}

/** Dry-run line: `allowed (shared 97/100, tool:search 4/5)`, `rejected by tool:search (0.4/5, retry in 12s)`. */
function note(d: Decision, peek: boolean, sub: string | undefined): { summary: string; facts: Record<string, unknown> } {
  const states = d.buckets ?? [];
  const facts = {
    buckets: states.map((b) => ({ key: b.key, scope: b.scope, tokens: b.tokens, capacity: b.capacity })),
    consumed: !peek && d.allowed,
    retryAfterSeconds: d.retryAfterSeconds,
    ...(sub !== undefined ? { user: sub } : {}),
  };
  // Per-user buckets name whose they are: `user 9/10` is the caller's bucket, not everyone's.
  const user = sub !== undefined ? ` for user ${JSON.stringify(sub)}` : '';
  if (d.allowed) {
    return { summary: `allowed (${states.map((b) => `${b.scope} ${fmt(b.tokens)}/${b.capacity}`).join(', ')})${user}`, facts };
  }
  const r = states.find((b) => b.scope === d.rejectedScope);
  const state = r ? `${fmt(r.tokens)}/${r.capacity}, ` : '';
  return { summary: `rejected by ${d.rejectedScope} (${state}retry in ${d.retryAfterSeconds}s)${user}`, facts };
}

export function createRateLimitMiddleware(params: RateLimitParams, deps: RateLimitDeps): RateLimitMiddleware {
  return new RateLimitStage(params, deps);
}
