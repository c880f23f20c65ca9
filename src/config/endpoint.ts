// The paths an MCP client uses with this config, in one place: streamable HTTP clients POST (and
// GET, DELETE) /mcp; legacy SSE clients open GET /sse and POST their messages to /messages.

import type { ProxyConfig } from './types.js';

export const MCP_PATH = '/mcp';
export const SSE_PATH = '/sse';
export const MESSAGES_PATH = '/messages';

/** True when clients speak the legacy SSE transport to this proxy. */
export function exposesSse(config: ProxyConfig): boolean {
  const u = config.upstream;
  return u.kind === 'http' ? u.transport === 'sse' : u.proxyMode === 'sse';
}

/** Where an MCP client connects: /sse or /mcp. */
export function endpointPath(config: ProxyConfig): string {
  return exposesSse(config) ? SSE_PATH : MCP_PATH;
}

/** Where a client POSTs JSON-RPC messages (`sessionId` for the legacy SSE transport). */
export function messagePath(config: ProxyConfig, sessionId: string): string {
  return exposesSse(config) ? `${MESSAGES_PATH}?sessionId=${encodeURIComponent(sessionId)}` : MCP_PATH;
}
