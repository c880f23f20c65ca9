// One line per request at info (SPEC §8): HTTP method, path, status, duration, MCP method, tool,
// and which stage refused the request and why. Headers are never logged, so Authorization and
// Cookie values cannot leak; the query string is left out too (it may carry tokens).
//
// Hot path (one line per request): a pino instance of its own on the process logger's
// destination, without the process logger's redaction paths (the wildcard paths made redact
// walk every line, and these fields are fixed and never hold a secret); the fields in one
// fixed-shape object (pino leaves undefined members out); nothing built when info is off.

import type { Logger } from 'pino';
import { requestLogger } from './logger.js';
import type { AppliedPatchOp, RequestContext } from '../chain/types.js';

/** Fields of the request log line (docs/operations.md lists them); undefined ones are not written. */
export class RequestLogFields {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly durationMs: number;
  readonly clientIp: string;
  /** With oidc_config: the token's sub (never the token). */
  readonly sub: string | undefined;
  readonly mcpMethod: string | undefined;
  /** tools/call only: the tool name. */
  readonly tool: string | undefined;
  readonly rpcId: string | number | null | undefined;
  readonly rejectedBy: string | undefined;
  readonly reason: string | undefined;
  /** The client went away before the response was complete. */
  readonly aborted: true | undefined;
  /** Operations mutating webhooks applied (webhook, op, path; never values), in order. */
  readonly patches: readonly AppliedPatchOp[] | undefined;

  constructor(ctx: RequestContext) {
    const res = ctx.res!;
    const url = ctx.url;
    const q = url.indexOf('?');
    const mcp = ctx.mcp;
    this.method = ctx.httpMethod;
    this.path = q === -1 ? url : url.slice(0, q);
    this.status = res.statusCode;
    this.durationMs = Math.round(Number(process.hrtime.bigint() - ctx.startNs) / 1e4) / 100;
    this.clientIp = ctx.clientIp;
    this.sub = ctx.principal?.sub;
    this.mcpMethod = mcp?.method;
    this.tool = mcp !== null && mcp.method === 'tools/call' ? mcp.resourceId : undefined;
    this.rpcId = mcp?.id;
    this.rejectedBy = ctx.rejectedBy;
    this.reason = ctx.reason;
    this.aborted = res.writableFinished ? undefined : true;
    this.patches = ctx.patches;
  }
}

/** Writes the request lines; built once per server from the process logger. */
export class RequestLog {
  readonly #logger: Logger;
  readonly #enabled: boolean;

  constructor(processLogger: Logger) {
    this.#enabled = processLogger.isLevelEnabled('info');
    this.#logger = this.#enabled ? requestLogger(processLogger) : processLogger;
  }

  write(ctx: RequestContext): void {
    if (!this.#enabled) return;
    this.#logger.info(new RequestLogFields(ctx), 'request');
  }
}
