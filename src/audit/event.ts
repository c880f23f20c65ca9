// One audit event (SPEC §12) in ToolHive's format (pkg/audit/event.go, written by its slog JSON
// handler at level AUDIT, message "audit_event"), so a log pipeline built for ToolHive reads
// thv-proxy's lines unchanged: who (subjects, source), what (type, target), outcome, duration.
// Built when the response has closed, from the request's context; never holds a token.

import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../chain/types.js';
import type { AuditParams } from './config.js';

/** ToolHive's event types (toolhive-core audit), the ones a proxy emits. */
const BY_METHOD: ReadonlyMap<string, string> = new Map([
  ['initialize', 'mcp_initialize'],
  ['tools/call', 'mcp_tool_call'],
  ['tools/list', 'mcp_tools_list'],
  ['resources/read', 'mcp_resource_read'],
  ['resources/list', 'mcp_resources_list'],
  ['prompts/get', 'mcp_prompt_get'],
  ['prompts/list', 'mcp_prompts_list'],
  ['notifications/message', 'mcp_notification'],
  ['ping', 'mcp_ping'],
  ['logging/setLevel', 'mcp_logging'],
  ['completion/complete', 'mcp_completion'],
  ['notifications/roots/list_changed', 'mcp_roots_list_changed'],
]);

/** Every type audit_config's eventTypes / excludeEventTypes may name (ToolHive's Validate list). */
export const EVENT_TYPES: ReadonlySet<string> = new Set([
  ...BY_METHOD.values(),
  'mcp_request',
  'http_request',
  'sse_connection',
  'workflow_started',
  'workflow_completed',
  'workflow_failed',
  'workflow_timed_out',
  'workflow_step_started',
  'workflow_step_completed',
  'workflow_step_failed',
  'workflow_step_skipped',
]);

export function eventType(ctx: RequestContext, transport: string): string {
  const method = ctx.mcp?.method;
  if (method !== undefined) return BY_METHOD.get(method) ?? 'mcp_request';
  if (transport === 'sse' && ctx.httpMethod === 'GET') return 'sse_connection';
  if (transport === 'sse' && ctx.httpMethod === 'POST') return 'mcp_request';
  return 'http_request';
}

/** SPEC §12: success, denied for 401/403, failure otherwise (ToolHive says "error" for 5xx). */
export function outcomeOf(status: number): 'success' | 'denied' | 'failure' {
  if (status === 401 || status === 403) return 'denied';
  return status >= 400 ? 'failure' : 'success';
}

const TARGET_TYPE: Readonly<Record<string, string>> = { mcp_tool_call: 'tool', mcp_resource_read: 'resource', mcp_prompt_get: 'prompt' };

function subjects(ctx: RequestContext): Record<string, string> {
  const p = ctx.principal;
  const out: Record<string, string> = {};
  if (p === null || p === undefined) {
    out.user = 'anonymous';
    return out;
  }
  const c = p.claims;
  out.user_id = p.sub;
  const name = [c.name, c.preferred_username, c.email].find((v): v is string => typeof v === 'string' && v !== '');
  out.user = name ?? 'anonymous';
  if (typeof c.client_name === 'string' && c.client_name !== '') out.client_name = c.client_name;
  if (typeof c.client_version === 'string' && c.client_version !== '') out.client_version = c.client_version;
  return out;
}

function firstHeader(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/**
 * The length of the longest prefix of `bytes[0, end)` that ends with a whole UTF-8 character.
 * Decoding half a character would give U+FFFD: three bytes in place of the one or two cut, and
 * text the body never had.
 */
function wholeCharacters(bytes: Buffer, end: number): number {
  if (end === 0) return 0;
  // The last character's lead byte: continuation bytes (10xxxxxx) come at most three in a row.
  let lead = end - 1;
  while (lead > 0 && lead > end - 4 && (bytes[lead]! & 0xc0) === 0x80) lead--;
  const b = bytes[lead]!;
  const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return lead + length <= end ? end : lead;
}

/**
 * `bytes` as audit data: the JSON itself when it is the whole body, fits and parses; else its text
 * up to `max` bytes, cut on a character boundary. `whole` is false for a prefix someone else cut
 * (the response capture keeps only `max` bytes): its last character may be incomplete.
 */
export function auditData(bytes: Buffer, max: number, whole = true): { value: unknown; truncated: boolean } {
  if (whole && bytes.length <= max) {
    const text = bytes.toString('utf8');
    try {
      return { value: JSON.parse(text), truncated: false };
    } catch {
      return { value: text, truncated: false };
    }
  }
  const end = wholeCharacters(bytes, Math.min(max, bytes.length));
  return { value: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

export interface AuditFacts {
  readonly status: number;
  readonly durationMs: number;
  /** The captured response prefix (includeResponseData), and how many bytes were sent in all. */
  readonly response: Buffer | null;
  readonly responseBytes: number;
  /** The client went away before its (non-streaming) answer was complete: a failure, whatever the status. */
  readonly aborted?: boolean;
}

/** The event as one JSON line (with its newline). */
export function auditLine(ctx: RequestContext, type: string, p: AuditParams, facts: AuditFacts): string {
  const now = new Date().toISOString();
  const url = ctx.url;
  const q = url.indexOf('?');
  const mcp = ctx.mcp;
  const sourceExtra: Record<string, string> = {};
  const ua = firstHeader(ctx.headers['user-agent']);
  if (ua !== undefined && ua !== '') sourceExtra.user_agent = ua;
  const requestId = firstHeader(ctx.headers['x-request-id']);
  if (requestId !== undefined && requestId !== '') sourceExtra.request_id = requestId;
  const target: Record<string, string> = { endpoint: q === -1 ? url : url.slice(0, q), method: mcp?.method ?? ctx.httpMethod };
  if (mcp?.resourceId !== undefined && mcp.resourceId !== '') target.name = mcp.resourceId;
  target.type = TARGET_TYPE[type] ?? 'endpoint';
  const extra: Record<string, unknown> = {
    duration_ms: Math.round(facts.durationMs),
    transport: p.transport === 'sse' ? 'sse' : 'http',
    status_code: facts.status,
  };
  if (facts.aborted === true) extra.aborted = true;
  if (facts.response !== null) extra.response_size_bytes = facts.responseBytes;
  const event: Record<string, unknown> = {
    time: now,
    level: 'AUDIT',
    msg: 'audit_event',
    audit_id: randomUUID(),
    type,
    logged_at: now,
    // A status set but never delivered (the client left first) is no success.
    outcome: facts.aborted === true ? 'failure' : outcomeOf(facts.status),
    component: p.component,
    source: { type: 'network', value: ctx.clientIp, extra: sourceExtra },
    subjects: subjects(ctx),
    target,
    metadata: { extra },
  };
  const data: Record<string, unknown> = {};
  if (p.includeRequestData && ctx.body !== null && ctx.body.length > 0) {
    const d = auditData(ctx.body, p.maxDataSize);
    data.request = d.value;
    if (d.truncated) data.request_truncated = true;
  }
  if (facts.response !== null && facts.response.length > 0) {
    const d = auditData(facts.response, p.maxDataSize, facts.responseBytes <= facts.response.length);
    data.response = d.value;
    if (d.truncated) data.response_truncated = true;
  }
  if (data.request !== undefined || data.response !== undefined) event.data = data;
  return `${JSON.stringify(event)}\n`;
}
