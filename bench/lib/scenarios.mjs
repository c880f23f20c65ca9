// The compared scenarios, in table order. `server` is the process whose CPU and RSS are measured
// (for direct: the upstream itself); `expect` is the HTTP status every response should carry.
import { TOOLS_CALL, TOOLS_LIST } from './bodies.mjs';

export const SCENARIOS = [
  { name: 'direct', server: 'upstream', body: TOOLS_CALL, expect: 200, label: 'direct (upstream)' },
  { name: 'P0', server: 'P0', body: TOOLS_CALL, expect: 200, label: 'P0 bare node proxy' },
  { name: 'P1', server: 'P1', body: TOOLS_CALL, expect: 200, label: 'P1 bare proxy + EVALSHA' },
  { name: 'F', server: 'F', body: TOOLS_CALL, expect: 200, label: 'F fastify + rate-limit' },
  { name: 'thv-nolimit', server: 'thv-nolimit', body: TOOLS_CALL, expect: 200, label: 'thv-proxy, no limits' },
  { name: 'thv-redis', server: 'thv-redis', body: TOOLS_CALL, expect: 200, label: 'thv-proxy + Redis limiter' },
  { name: 'thv-redis-list', server: 'thv-redis', body: TOOLS_LIST, expect: 200, label: 'thv-proxy + Redis, tools/list' },
  { name: 'thv-reject', server: 'thv-reject', body: TOOLS_CALL, expect: 429, label: 'thv-proxy + limiter rejecting (429)' },
  { name: 'thv-webhook', server: 'thv-webhook', body: TOOLS_CALL, expect: 200, label: 'thv-proxy + 1 fast webhook' },
  // auth: every request sends the same bearer token (an MCP client reuses its token), RS256.
  { name: 'thv-auth', server: 'thv-auth', body: TOOLS_CALL, expect: 200, label: 'thv-proxy + auth (RS256) + per-user Redis limits', auth: true },
  { name: 'thv-memory', server: 'thv-memory', body: TOOLS_CALL, expect: 200, label: 'thv-proxy --store memory' },
  { name: 'thv-redis-metrics', server: 'thv-redis-metrics', body: TOOLS_CALL, expect: 200, label: 'thv-proxy + Redis, telemetry metrics on' },
  { name: 'thv-redis-traces', server: 'thv-redis-traces', body: TOOLS_CALL, expect: 200, label: 'thv-proxy + Redis, tracing at 0.01' },
  { name: 'thv-redis-warnlog', server: 'thv-redis-warnlog', body: TOOLS_CALL, expect: 200, label: 'thv-proxy + Redis, --log-level warn' },
];

export function selectScenarios(only) {
  if (!only) return SCENARIOS;
  const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length) throw new Error(`unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  return SCENARIOS.filter((s) => only.includes(s.name));
}
