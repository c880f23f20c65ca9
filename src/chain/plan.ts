// The order of the chain, written once, as data (SPEC: body limit -> host/origin guard -> MCP
// parser -> rate limit -> validating webhooks -> proxy). `planChain` is a pure function of the
// config: `validate` prints its result, `run` and `dry-run` build from it. Stages that are not
// configured are left out here rather than checked with a flag on every request.

import type { ProxyConfig, RateLimitConfig, WebhookConfig, Bucket } from '../config/types.js';
import { formatDuration } from '../config/duration.js';
import { isLoopback } from './loopback.js';

export { isLoopback, isWildcard } from './loopback.js';

export type StagePlan =
  | { readonly type: 'body-limit'; readonly name: string; readonly summary: string; readonly params: { readonly maxBodyBytes: number } }
  | {
      readonly type: 'host-guard';
      readonly name: string;
      readonly summary: string;
      readonly params: { readonly allowedHosts: readonly string[]; readonly allowedOrigins: readonly string[] };
    }
  | { readonly type: 'mcp-parser'; readonly name: string; readonly summary: string; readonly params: Record<string, never> }
  | {
      readonly type: 'rate-limit';
      readonly name: string;
      readonly summary: string;
      readonly params: { readonly serverName: string; readonly rateLimit: RateLimitConfig };
    }
  | {
      readonly type: 'webhook';
      readonly name: string;
      readonly summary: string;
      readonly params: { readonly serverName: string; readonly transport: string; readonly webhook: WebhookConfig };
    };

export interface ChainPlan {
  readonly stages: readonly StagePlan[];
  /** The terminal: where requests go when every stage lets them through. */
  readonly terminal: { readonly type: 'proxy'; readonly name: 'proxy'; readonly summary: string };
}


function bucket(b: Bucket): string {
  return `${b.maxTokens}/${formatDuration(b.refillPeriodMs)}`;
}

function rateLimitSummary(rl: RateLimitConfig, store: string): string {
  const parts: string[] = [];
  if (rl.shared) parts.push(`shared ${bucket(rl.shared)}`);
  for (const t of rl.tools.values()) {
    if (t.shared) parts.push(`tool:${t.name} ${bucket(t.shared)}`);
  }
  return `${parts.join(', ')}; tools/call only; store ${store}; namespace ${rl.namespace}`;
}

function upstreamSummary(config: ProxyConfig): string {
  const u = config.upstream;
  if (u.kind === 'http') return `${u.transport} -> ${u.origin}${u.basePath}`;
  return `stdio: ${[u.command, ...u.args].join(' ')} (exposed as ${u.proxyMode})`;
}

export function planChain(config: ProxyConfig): ChainPlan {
  const stages: StagePlan[] = [];

  // First: an oversized body is refused before any other work is spent on it.
  stages.push({
    type: 'body-limit',
    name: 'body-limit',
    summary: `max ${config.maxBodyBytes} bytes`,
    params: { maxBodyBytes: config.maxBodyBytes },
  });

  // Before parsing: DNS-rebinding protection needs only headers, and behind a proxy the
  // upstream sees our Host, so it cannot protect itself. Only on loopback listeners.
  if (isLoopback(config.host)) {
    const extra = [...config.allowedHosts, ...config.allowedOrigins];
    stages.push({
      type: 'host-guard',
      name: 'host-guard',
      summary: `Host/Origin must be loopback${extra.length ? ` or one of ${extra.join(', ')}` : ''}`,
      params: { allowedHosts: config.allowedHosts, allowedOrigins: config.allowedOrigins },
    });
  }

  // Every decision after this reads the parsed message; nothing re-parses the body.
  stages.push({ type: 'mcp-parser', name: 'parser', summary: 'JSON-RPC over application/json; no batches', params: {} });

  // Before webhooks: a rejected call costs one Redis round trip instead of N webhook calls.
  if (config.rateLimit) {
    stages.push({
      type: 'rate-limit',
      name: 'rate-limit',
      summary: rateLimitSummary(config.rateLimit, config.store),
      params: { serverName: config.name, rateLimit: config.rateLimit },
    });
  }

  // Last: policy sees only requests that will otherwise be forwarded; config order, first deny wins.
  for (const webhook of config.webhooks) {
    stages.push({
      type: 'webhook',
      name: `webhook ${webhook.name}`,
      summary: `${webhook.url} timeout ${formatDuration(webhook.timeoutMs)} failure_policy ${webhook.failurePolicy}${webhook.hmacSecret ? ' signed' : ''}`,
      params: { serverName: config.name, transport: config.transport, webhook },
    });
  }

  return { stages, terminal: { type: 'proxy', name: 'proxy', summary: upstreamSummary(config) } };
}
