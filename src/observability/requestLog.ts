// One line per request at info (SPEC §8): HTTP method, path, status, duration, MCP method, tool,
// and which stage refused the request and why. Headers are never logged, so Authorization and
// Cookie values cannot leak; the query string is left out too (it may carry tokens).

import type { Logger } from 'pino';
import type { ServerRequestContext } from '../server/context.js';

/** Fields of the request log line (docs/operations.md lists them). */
export interface RequestLogFields {
  method: string;
  path: string;
  status: number;
  durationMs: number;
  clientIp: string;
  mcpMethod?: string;
  /** tools/call only: the tool name. */
  tool?: string;
  rpcId?: string | number | null;
  rejectedBy?: string;
  reason?: string;
  /** The client went away before the response was complete. */
  aborted?: true;
}

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

export function requestLogFields(ctx: ServerRequestContext): RequestLogFields {
  const res = ctx.res;
  const fields: RequestLogFields = {
    method: ctx.httpMethod,
    path: pathOf(ctx.url),
    status: res.statusCode,
    durationMs: Math.round(Number(process.hrtime.bigint() - ctx.startNs) / 1e4) / 100,
    clientIp: ctx.clientIp,
  };
  const mcp = ctx.mcp;
  if (mcp !== null) {
    if (mcp.method !== undefined) fields.mcpMethod = mcp.method;
    if (mcp.method === 'tools/call' && mcp.resourceId !== undefined) fields.tool = mcp.resourceId;
    if (mcp.id !== undefined) fields.rpcId = mcp.id;
  }
  if (ctx.rejectedBy !== undefined) fields.rejectedBy = ctx.rejectedBy;
  if (ctx.reason !== undefined) fields.reason = ctx.reason;
  if (!res.writableFinished) fields.aborted = true;
  return fields;
}

export function logRequest(logger: Logger, ctx: ServerRequestContext): void {
  if (!logger.isLevelEnabled('info')) return;
  logger.info(requestLogFields(ctx), 'request');
}
