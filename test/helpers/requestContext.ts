// A bare request context for unit tests of what reads one (telemetry, tracing): a parsed
// tools/call of tool `echo`, no live request or response.
import type { RequestContext } from '../../src/chain/types.js';

export function toolsCallContext(headers: Record<string, string> = {}): RequestContext {
  return {
    span: null,
    headers,
    mcp: { kind: 'request', method: 'tools/call', id: 1, params: {}, resourceId: 'echo', arguments: {}, meta: undefined },
    httpMethod: 'POST',
    url: '/mcp',
    startNs: process.hrtime.bigint(),
    clientIp: '127.0.0.1',
    req: null,
    rejectedBy: undefined,
    principal: null,
  } as unknown as RequestContext;
}
