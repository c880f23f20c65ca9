// Opens what observes a proxy (SPEC §12) from its compiled plan: telemetry (the SDK, the /metrics
// listener — exit 3 when its port is taken) and the audit writer. Run by `run` before the proxy
// listens; nothing at all when the config has neither telemetry_config nor audit_config.

import type { Logger } from 'pino';
import type { ChainPlan } from '../chain/plan.js';
import { Auditor } from '../audit/auditor.js';
import { Telemetry } from '../telemetry/telemetry.js';
import { createObserver, type RequestObserver } from './observer.js';

export interface Observability {
  readonly telemetry: Telemetry | null;
  readonly observer: RequestObserver | null;
  /** Where Prometheus scrapes, when enabled. */
  readonly metricsUrl: string | null;
}

export async function openObservability(plan: ChainPlan, logger: Logger): Promise<Observability> {
  const telemetry = plan.telemetry === null ? null : new Telemetry(plan.telemetry, { authenticates: plan.stages.some((s) => s.type === 'authentication') });
  let metricsUrl: string | null = null;
  try {
    metricsUrl = (await telemetry?.start()) ?? null;
  } catch (err) {
    await telemetry?.shutdown();
    throw err;
  }
  const auditor = plan.audit === null ? null : new Auditor(plan.audit, logger);
  if (metricsUrl !== null) logger.info({ metrics: metricsUrl }, `Prometheus metrics at ${metricsUrl}`);
  if (plan.telemetry?.otlp) logger.info({ otlp: plan.telemetry.otlp.display }, `OTLP export to ${plan.telemetry.otlp.display}`);
  if (plan.audit !== null) logger.info({ audit: plan.audit.logFile ?? 'stdout' }, `audit events to ${plan.audit.logFile ?? 'stdout'}`);
  return { telemetry, observer: createObserver(telemetry, auditor), metricsUrl };
}
