// The one compile step from a loaded config to a runnable chain plan: each stage module in
// STAGE_ORDER compiles its part of the config once (order.ts, stage.ts). The loader runs it, so
// `validate` reports every problem a stage could meet in `run`; run, dry-run and the tests
// create the middlewares from the same compiled plan (build.ts). No I/O but reading the files a
// stage names (PEM files), no globals.

import type { ProxyConfig } from '../config/types.js';
import { ThvError } from '../errors.js';
import { urlForDisplay } from '../config/urlText.js';
import { STAGE_ORDER } from './order.js';
import { compileTelemetry, type TelemetryParams } from '../telemetry/config.js';
import { compileAudit, type AuditParams } from '../audit/config.js';
import type { CompiledStage, Report } from './stage.js';

export { isLoopback, isWildcard } from './loopback.js';
export type { CompiledStage } from './stage.js';

export interface ChainPlan {
  readonly stages: readonly CompiledStage[];
  /** The terminal: where requests go when every stage lets them through. */
  readonly terminal: { readonly type: 'proxy'; readonly name: 'proxy'; readonly summary: string };
  /** telemetry_config compiled (SPEC §12); null when off. Observes the chain, is no stage of it. */
  readonly telemetry: TelemetryParams | null;
  /** audit_config / audit_config_path compiled; null when off. */
  readonly audit: AuditParams | null;
}

function upstreamSummary(config: ProxyConfig): string {
  const u = config.upstream;
  if (u.kind === 'http') return `${u.transport} -> ${urlForDisplay(`${u.origin}${u.path}${u.query === '' ? '' : `?${u.query}`}`)}`;
  return `stdio: ${[u.command, ...u.args].join(' ')} (exposed as ${u.proxyMode})`;
}

/** Compile every configured stage, in order; problems go to `report` with their pointers. */
export function compileChain(config: ProxyConfig, report: Report): ChainPlan {
  const stages = STAGE_ORDER.flatMap((module) => module.compile(config, report));
  return Object.freeze({
    stages: Object.freeze(stages),
    terminal: Object.freeze({ type: 'proxy', name: 'proxy', summary: upstreamSummary(config) }),
    telemetry: compileTelemetry(config, report),
    audit: compileAudit(config, report),
  });
}

/** The plan the loader compiled for each config it returned, so nothing is compiled twice. */
const compiled = new WeakMap<ProxyConfig, ChainPlan>();

export function rememberPlan(config: ProxyConfig, plan: ChainPlan): void {
  compiled.set(config, plan);
}

/**
 * The compiled plan of a loaded config. A config that did not come from the loader (built by
 * hand in a test) is compiled here; a problem then is a ThvError, as the loader would report it.
 */
export function planChain(config: ProxyConfig): ChainPlan {
  const known = compiled.get(config);
  if (known !== undefined) return known;
  const problems: string[] = [];
  const plan = compileChain(config, (pointer, message, level) => {
    if (level !== 'warning') problems.push(`${pointer}: ${message}`);
  });
  if (problems.length > 0) throw new ThvError('THV_ERR_CONFIG', `invalid config (${problems.length} problems)`, problems);
  compiled.set(config, plan);
  return plan;
}
