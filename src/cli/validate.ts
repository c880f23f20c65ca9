// `thv-proxy validate` (SPEC §1): load the config exactly as `run` does and print either the chain
// `run` would build (one line per middleware, in order) or every problem, one line each.
// Exit 0 when valid, 1 when not; `--json` prints one object on stdout with the same exit codes.

import { planChain, type ChainPlan } from '../chain/plan.js';
import { formatProblem, loadConfig, type LoadResult } from '../config/load.js';
import { telemetrySummary } from '../telemetry/config.js';
import { auditSummary } from '../audit/config.js';
import { EXIT } from '../errors.js';
import type { Output, ValidateOptions } from './options.js';

export interface ValidateReport {
  readonly valid: boolean;
  readonly errors: readonly { readonly path: string; readonly message: string }[];
  readonly warnings: readonly string[];
  readonly chain: readonly { readonly name: string; readonly type: string; readonly summary: string }[];
}

function chainEntries(plan: ChainPlan): ValidateReport['chain'] {
  const stages = plan.stages.map((s) => ({ name: s.name, type: s.type, summary: s.summary }));
  const t = plan.terminal;
  return [...stages, { name: t.name, type: t.type, summary: t.summary }];
}

/** What `validate --json` prints; `dry-run --json` prints it too for a config that does not load. */
export function validateReport(result: LoadResult, plan: ChainPlan | null): ValidateReport {
  return {
    valid: result.ok,
    errors: result.ok ? [] : result.errors.map((e) => ({ path: e.path, message: e.message })),
    warnings: result.warnings,
    chain: plan ? chainEntries(plan) : [],
  };
}

/** The chain as `validate` prints it: numbered stages, then the terminal. */
export function formatChain(plan: ChainPlan): string {
  const lines = plan.stages.map((s, i) => `${i + 1}. ${s.name}: ${s.summary}`);
  lines.push(`-> ${plan.terminal.name}: ${plan.terminal.summary}`);
  // Not stages: they watch every request (SPEC §12).
  if (plan.telemetry !== null) lines.push(`+ telemetry: ${telemetrySummary(plan.telemetry)}`);
  if (plan.audit !== null) lines.push(`+ audit: ${auditSummary(plan.audit)}`);
  return `${lines.join('\n')}\n`;
}

export async function validateCommand(opts: ValidateOptions, io: Output): Promise<number> {
  const result = await loadConfig(opts.config, { store: opts.store, allowUnenforced: opts.allowUnenforced });
  const plan = result.ok ? planChain(result.config) : null;

  if (opts.json) {
    io.stdout(`${JSON.stringify(validateReport(result, plan), null, 2)}\n`);
    return result.ok ? EXIT.OK : EXIT.CONFIG_INVALID;
  }

  for (const w of result.warnings) io.stderr(`${opts.config}: warning: ${w}\n`);
  if (!result.ok) {
    for (const e of result.errors) io.stderr(`${formatProblem(opts.config, e)}\n`);
    return EXIT.CONFIG_INVALID;
  }
  io.stdout(`${opts.config}: valid; the chain \`run\` builds:\n${formatChain(plan as ChainPlan)}`);
  return EXIT.OK;
}
