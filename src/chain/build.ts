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
