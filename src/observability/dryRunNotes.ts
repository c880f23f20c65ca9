// What telemetry and audit would emit for one request (SPEC §12), as dry-run's notes: the series
// it would count, the span it would record, the audit event it would write, and where each goes.
// Nothing is emitted: dry-run builds no telemetry and writes no audit line.

import type { ChainPlan } from '../chain/plan.js';
import type { RequestContext } from '../chain/types.js';
import { eventType, outcomeOf } from '../audit/event.js';
import { telemetrySummary } from '../telemetry/config.js';
import { methodLabel } from '../telemetry/labels.js';

/** `status`: the answer's HTTP status, or undefined when the request would be forwarded. */
export function observationNotes(plan: ChainPlan, ctx: RequestContext, status: number | undefined): string[] {
  const notes: string[] = [];
  const mcp = ctx.mcp;
  const shown = status === undefined ? "the upstream's status" : String(status);
  const tel = plan.telemetry;
  if (tel !== null) {
    const method = methodLabel(mcp?.method);
    const id = mcp?.resourceId ?? '';
    const span = tel.samplingRate === null ? '' : `; span "${mcp?.method ?? ctx.httpMethod}${id ? ` ${id}` : ''}" (sampled at ${tel.samplingRate})`;
    notes.push(`telemetry: would count toolhive_mcp_requests{mcp_method="${method}",mcp_resource_id="${id}",status_code=${shown}}${span} -> ${telemetrySummary(tel)}`);
  }
  const audit = plan.audit;
  if (audit !== null) {
    const type = eventType(ctx, audit.transport);
    const written = !audit.excludeEventTypes.has(type) && (audit.eventTypes === null || audit.eventTypes.has(type));
    const outcome = status === undefined ? 'success or failure by the upstream status' : outcomeOf(status);
    notes.push(written ? `audit: would write a ${type} event, outcome ${outcome}, to ${audit.logFile ?? 'stdout'}` : `audit: ${type} events are not written (eventTypes / excludeEventTypes)`);
  }
  return notes;
}
