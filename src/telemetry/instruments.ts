// The instruments (SPEC §12) with ToolHive's names, units, descriptions and attribute keys
// (pkg/telemetry/middleware.go, pkg/ratelimit/observability.go), so a dashboard built for
// ToolHive reads thv-proxy's series unchanged; plus thv-proxy's own webhook and authentication
// instruments (ToolHive has none; `thv_proxy_` names, so they never collide with a future one).
//
// Attribute objects are built once per distinct label combination and reused: every part of a
// key is bounded (labels.ts), so the caches are bounded too. The aggregation is aggregate.ts's
// (why not the SDK's synchronous instruments: see there); export goes through the SDK's readers.

import type { Attributes } from '@opentelemetry/api';
import type { Aggregates, Histogram, Sum } from './aggregate.js';

/** ToolHive's MCP semconv buckets (toolhive-core metrics.BucketsMCPSemconv), seconds. */
export const MCP_BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

export const INSTRUMENTATION = { telemetry: 'github.com/stacklok/toolhive/pkg/telemetry', ratelimit: 'github.com/stacklok/toolhive/pkg/ratelimit', proxy: 'thv-proxy' } as const;

export interface Instruments {
  readonly requests: Sum;
  readonly requestDuration: Histogram;
  readonly activeConnections: Sum;
  readonly operationDuration: Histogram;
  readonly toolCalls: Sum;
  readonly rateLimitDecisions: Sum;
  readonly rateLimitRedisErrors: Sum;
  readonly rateLimitFailOpen: Sum;
  readonly rateLimitCheckLatency: Histogram;
  readonly webhookDecisions: Sum;
  readonly webhookDuration: Histogram;
  readonly authDecisions: Sum;
}

export function createInstruments(a: Aggregates): Instruments {
  const { telemetry: t, ratelimit: rl, proxy: own } = INSTRUMENTATION;
  return {
    requests: a.sum(t, { name: 'toolhive_mcp_requests', description: 'Total number of MCP requests', unit: '' }),
    requestDuration: a.histogram(t, { name: 'toolhive_mcp_request_duration', description: 'Duration of MCP requests in seconds', unit: 's' }, MCP_BUCKETS),
    activeConnections: a.sum(t, { name: 'toolhive_mcp_active_connections', description: 'Number of active MCP connections', unit: '' }, false),
    operationDuration: a.histogram(t, { name: 'mcp.server.operation.duration', description: 'Duration of MCP server operations', unit: 's' }, MCP_BUCKETS),
    toolCalls: a.sum(t, { name: 'toolhive_mcp_tool_calls', description: 'Total number of MCP tool calls', unit: '' }),
    rateLimitDecisions: a.sum(rl, { name: 'toolhive_rate_limit_decisions', description: 'Total number of rate limit bucket decisions', unit: '' }),
    rateLimitRedisErrors: a.sum(rl, { name: 'toolhive_rate_limit_redis_errors', description: 'Total number of Redis errors during rate limit checks', unit: '' }),
    rateLimitFailOpen: a.sum(rl, { name: 'toolhive_rate_limit_fail_open', description: 'Total number of rate limit checks allowed after an enforcement error', unit: '' }),
    rateLimitCheckLatency: a.histogram(rl, { name: 'toolhive_rate_limit_check_latency', description: 'Duration of Redis Lua rate limit checks in seconds', unit: 's' }, MCP_BUCKETS),
    webhookDecisions: a.sum(own, { name: 'thv_proxy_webhook_decisions', description: 'Webhook calls by decision and what the failure policy did with a failed call', unit: '' }),
    webhookDuration: a.histogram(own, { name: 'thv_proxy_webhook_duration', description: 'Duration of webhook calls in seconds', unit: 's' }, MCP_BUCKETS),
    authDecisions: a.sum(own, { name: 'thv_proxy_auth_decisions', description: 'Authentication decisions by outcome and reason', unit: '' }),
  };
}

/** A frozen attribute set per key, built on first use. */
export class AttributeCache {
  readonly #sets = new Map<string, Attributes>();

  get(key: string, build: () => Attributes): Attributes {
    let a = this.#sets.get(key);
    if (a === undefined) {
      a = Object.freeze(build());
      this.#sets.set(key, a);
    }
    return a;
  }

  get size(): number {
    return this.#sets.size;
  }
}

/** ToolHive's scope and operation_type of a bucket scope (`tool:x` -> shared/tool, `user` -> per_user/server). */
export function bucketDimensions(scope: string): { scope: 'shared' | 'per_user'; operation: 'server' | 'tool' } {
  if (scope === 'shared') return { scope: 'shared', operation: 'server' };
  if (scope === 'user') return { scope: 'per_user', operation: 'server' };
  if (scope.startsWith('user-tool:')) return { scope: 'per_user', operation: 'tool' };
  return { scope: 'shared', operation: 'tool' };
}

/** ToolHive's classifyRedisError: timeout, connection, auth or other. */
export function redisErrorType(err: unknown): 'timeout' | 'connection' | 'auth' | 'other' {
  const text = `${(err as { code?: unknown })?.code ?? ''} ${err instanceof Error ? err.message : String(err)}`.toLowerCase();
  if (/noauth|wrongpass|auth/.test(text)) return 'auth';
  if (/timed out|timeout|etimedout|no answer within/.test(text)) return 'timeout';
  if (/connection|econnrefused|econnreset|epipe|enotfound|closed|writeable|broken pipe|eai_again/.test(text)) return 'connection';
  return 'other';
}

/** A bounded reason for an authentication refusal, from the stage's reason text. */
export function authReason(reason: string | undefined): string {
  const r = (reason ?? '').toLowerCase();
  if (r.includes('no bearer token') || r.includes('empty bearer token')) return 'missing_token';
  if (r.includes('expired') || r.includes('"exp"')) return 'expired';
  if (r.includes('"nbf"') || r.includes('not yet valid') || r.includes('not active yet')) return 'not_yet_valid';
  if (r.includes('audience') || r.includes('"aud"')) return 'audience';
  if (r.includes('issuer') || r.includes('"iss"')) return 'issuer';
  if (r.includes('signature')) return 'signature';
  if (r.includes('not active')) return 'inactive';
  if (r.includes('introspection')) return 'introspection_failed';
  if (r.includes('malformed') || r.includes('jws') || r.includes('jwt')) return 'malformed';
  return 'invalid_token';
}
