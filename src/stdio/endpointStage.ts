// The stdio endpoints' own checks as a stage of the chain (right after the parser), so dry-run
// reports them and the request log names them like any other rejection, and a request the
// endpoint would refuse is never charged or sent to a webhook: the route and method, and that a
// request names its session (Mcp-Session-Id for streamable HTTP, a well-formed `sessionId` query
// parameter for the legacy SSE transport). Whether that session exists is the terminal's to say:
// sessions live in the bridge, and dry-run has none.

import { Rejection } from '../errors.js';
import type { StageModule } from '../chain/stage.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import { MCP_PATH, MESSAGES_PATH, SSE_PATH } from '../config/endpoint.js';
import { pathOf, queryParam } from './http.js';

const ALLOW_MCP = Object.freeze({ allow: 'GET, POST, DELETE' });
const ALLOW_SSE = Object.freeze({ allow: 'GET' });
const ALLOW_MESSAGES = Object.freeze({ allow: 'POST' });

function refuse(ctx: RequestContext, rejection: Rejection): Rejection {
  if (ctx.trace) ctx.note = { summary: `rejected: ${rejection.reason}` };
  return rejection;
}

function needsMessage(ctx: RequestContext, path: string): Rejection | undefined {
  return ctx.mcp === null ? refuse(ctx, new Rejection('INVALID_REQUEST', undefined, { reason: `POST ${path} needs a JSON-RPC message` })) : undefined;
}

/** Streamable HTTP at /mcp: every request but `initialize` names its session. */
class StreamableEndpointCheck implements Middleware {
  readonly name = 'stdio-endpoint';

  handle(ctx: RequestContext): StageResult {
    const path = pathOf(ctx.url);
    const id = ctx.mcp?.id;
    if (path !== MCP_PATH && path !== `${MCP_PATH}/`) return refuse(ctx, new Rejection('NOT_FOUND', id, { reason: `no route ${path}` }));
    const method = ctx.httpMethod;
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      return refuse(ctx, new Rejection('METHOD_NOT_ALLOWED', undefined, { headers: ALLOW_MCP, reason: `${method} ${MCP_PATH}` }));
    }
    if (method === 'POST') {
      const missing = needsMessage(ctx, MCP_PATH);
      if (missing) return missing;
      if (ctx.mcp!.kind === 'request' && ctx.mcp!.method === 'initialize') {
        if (ctx.trace) ctx.note = { summary: 'initialize: opens a session' };
        return undefined;
      }
    }
    const session = ctx.headers['mcp-session-id'];
    if (typeof session !== 'string' || session === '') {
      // dry-run (no live request) asks "would this message pass?", not "is this a session":
      // a real client always sends the header its initialize answer gave it.
      if (ctx.req === null) {
        if (ctx.trace) ctx.note = { summary: `${method} ${MCP_PATH}; session not checked in dry-run (a client sends Mcp-Session-Id)` };
        return undefined;
      }
      return refuse(ctx, new Rejection('INVALID_REQUEST', id, { reason: 'Mcp-Session-Id header is required' }));
    }
    if (ctx.trace) ctx.note = { summary: `${method} ${MCP_PATH}, session ${session}` };
    return undefined;
  }
}

/** The legacy SSE transport: GET /sse opens a session, POST /messages?sessionId= talks in it. */
class LegacySseEndpointCheck implements Middleware {
  readonly name = 'stdio-endpoint';

  handle(ctx: RequestContext): StageResult {
    const path = pathOf(ctx.url);
    const method = ctx.httpMethod;
    const id = ctx.mcp?.id;
    if (path === SSE_PATH) {
      if (method !== 'GET') return refuse(ctx, new Rejection('METHOD_NOT_ALLOWED', id, { headers: ALLOW_SSE, reason: `${method} ${path}` }));
      if (ctx.trace) ctx.note = { summary: 'GET /sse: opens a session' };
      return undefined;
    }
    if (path !== MESSAGES_PATH) return refuse(ctx, new Rejection('NOT_FOUND', id, { reason: `no route ${path}` }));
    if (method !== 'POST') return refuse(ctx, new Rejection('METHOD_NOT_ALLOWED', id, { headers: ALLOW_MESSAGES, reason: `${method} ${path}` }));
    const missing = needsMessage(ctx, MESSAGES_PATH);
    if (missing) return missing;
    const sessionId = queryParam(ctx.url, 'sessionId');
    if (sessionId === null) return refuse(ctx, new Rejection('INVALID_REQUEST', id, { reason: 'sessionId is not valid percent-encoding' }));
    if (!sessionId) return refuse(ctx, new Rejection('INVALID_REQUEST', id, { reason: 'sessionId query parameter is required' }));
    if (ctx.trace) ctx.note = { summary: `POST ${MESSAGES_PATH}, session ${sessionId}` };
    return undefined;
  }
}

export const stdioEndpointStage: StageModule = {
  type: 'stdio-endpoint',
  compile(config) {
    const u = config.upstream;
    if (u.kind !== 'stdio') return [];
    const sse = u.proxyMode === 'sse';
    return [
      {
        type: 'stdio-endpoint',
        name: 'stdio-endpoint',
        summary: sse ? 'GET /sse, POST /messages?sessionId=' : 'POST/GET/DELETE /mcp; Mcp-Session-Id except on initialize',
        create: () => (sse ? new LegacySseEndpointCheck() : new StreamableEndpointCheck()),
      },
    ];
  },
};
