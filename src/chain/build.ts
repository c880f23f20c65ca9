// Turns a ChainPlan into live middlewares. Pure apart from constructing objects: no I/O, no
// globals; run, dry-run and the tests all call it, so there is one copy of every decision.

import type { Logger } from 'pino';
import type { Middleware } from './types.js';
import type { ChainPlan, StagePlan } from './plan.js';
import type { TokenBucketStore } from '../ratelimit/store.js';
import { createBodyLimitMiddleware } from '../guard/bodyLimit.js';
import { createHostGuardMiddleware } from '../guard/hostGuard.js';
import { createMcpParserMiddleware } from '../mcp/parserMiddleware.js';
import { createRateLimitMiddleware } from '../ratelimit/middleware.js';
import { createWebhookMiddleware } from '../webhook/middleware.js';

export interface ChainDeps {
  readonly logger: Logger;
  /** Required when the plan has a rate-limit stage. */
  readonly store: TokenBucketStore | null;
  /** dry-run without --consume reads buckets without changing them. */
  readonly rateLimitMode: 'consume' | 'peek';
  /** Longest silence while a request body arrives (default 60 s). */
  readonly bodyStallMs?: number | undefined;
}

function buildStage(stage: StagePlan, deps: ChainDeps): Middleware {
  switch (stage.type) {
    case 'body-limit':
      return createBodyLimitMiddleware({ ...stage.params, bodyStallMs: deps.bodyStallMs });
    case 'host-guard':
      return createHostGuardMiddleware(stage.params);
    case 'mcp-parser':
      return createMcpParserMiddleware();
    case 'rate-limit':
      if (!deps.store) throw new Error('rate-limit stage planned without a token-bucket store');
      return createRateLimitMiddleware(stage.params, { store: deps.store, logger: deps.logger, mode: deps.rateLimitMode });
    case 'webhook':
      return createWebhookMiddleware(stage.params, { logger: deps.logger });
  }
}

export function buildChain(plan: ChainPlan, deps: ChainDeps): Middleware[] {
  return plan.stages.map((s) => buildStage(s, deps));
}
