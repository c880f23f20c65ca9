// Runs the stages in order with one plain loop. It awaits only when a stage returns a promise,
// so synchronous stages cost no microtask and no closure per request.

import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from './types.js';

/** The stage that rejected, for the request log. */
export interface ChainOutcome {
  readonly rejection: Rejection | undefined;
  readonly rejectedBy: string | undefined;
}

const PASSED: ChainOutcome = Object.freeze({ rejection: undefined, rejectedBy: undefined });

function record(ctx: RequestContext, stage: Middleware, result: StageResult): void {
  const note = ctx.note;
  ctx.note = null;
  ctx.trace!.push({
    stage: stage.name,
    outcome: result ? 'reject' : 'continue',
    summary: note?.summary ?? (result ? `rejected: ${result.status} ${result.message}` : 'passed'),
    ...(note?.facts ? { facts: note.facts } : {}),
  });
}

function fail(stage: Middleware, err: unknown, ctx: RequestContext): ChainOutcome {
  // A stage that throws is a bug in the proxy; the client gets a JSON-RPC 500, never a hang.
  const reason = err instanceof Error ? err.message : String(err);
  return { rejection: new Rejection('INTERNAL', ctx.mcp?.id, { reason }), rejectedBy: stage.name };
}

/**
 * Run `stages` from index `from`. Resolves synchronously (returns the outcome) when every stage
 * is synchronous; returns a promise otherwise.
 */
export function runChain(stages: readonly Middleware[], ctx: RequestContext, from = 0): ChainOutcome | Promise<ChainOutcome> {
  for (let i = from; i < stages.length; i++) {
    const stage = stages[i]!;
    let result: StageResult | Promise<StageResult>;
    try {
      result = stage.handle(ctx);
    } catch (err) {
      return fail(stage, err, ctx);
    }
    if (result === undefined) {
      if (ctx.trace) record(ctx, stage, undefined);
      continue;
    }
    if (result instanceof Rejection) {
      if (ctx.trace) record(ctx, stage, result);
      return { rejection: result, rejectedBy: stage.name };
    }
    const next = i + 1;
    return result.then(
      (r) => {
        if (ctx.trace) record(ctx, stage, r);
        return r ? { rejection: r, rejectedBy: stage.name } : runChain(stages, ctx, next);
      },
      (err: unknown) => fail(stage, err, ctx),
    );
  }
  return PASSED;
}
