// Turns a compiled ChainPlan into live middlewares: each compiled stage creates its middleware
// from its params and the process's dependencies. No I/O, no config checks (compile did them);
// run, dry-run and the tests all call it, so there is one copy of every decision.

import type { Middleware } from './types.js';
import type { ChainPlan } from './plan.js';
import type { ChainDeps } from './stage.js';

export type { ChainDeps } from './stage.js';

export function buildChain(plan: ChainPlan, deps: ChainDeps): Middleware[] {
  return plan.stages.map((s) => s.create(deps));
}

/**
 * Let each stage reach its dependencies (the identity provider) before serving; rejects with the
 * first stage's ThvError (exit 3). The one I/O step of a built chain, kept out of buildChain.
 */
export async function startChain(stages: readonly Middleware[]): Promise<void> {
  for (const stage of stages) await stage.start?.();
}
