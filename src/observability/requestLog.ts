// One line per request at info (SPEC §8): HTTP method, path, status, duration, MCP method, tool,
// and which stage refused the request and why. Headers are never logged, so Authorization and
// Cookie values cannot leak; the query string is left out too (it may carry tokens).
//
// Hot path (one line per request): the fields in one fixed-shape object, serialised by hand into
// exactly the line pino would write (requestLine; a test holds the two byte-equal) and appended
// to the process logger's buffered destination — no pino call, no redaction walk (these fields
// are fixed and never hold a secret); nothing built when info is off. A logger logger.ts did not
// make (pretty output) gets the fields through a pino instance of its own instead.

import type { Logger } from 'pino';
import { heldAtExit, logDestination, requestLogger } from './logger.js';
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

/** pino's number for `info`. */
const INFO = 30;

/** `,"name":value` for a string (JSON-escaped), or nothing when absent. */
function str(name: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${name}":${JSON.stringify(value)}`;
}

/**
 * The line pino writes for `logger.info(fields, 'request')` with `base: { pid }` — the same
 * members in the same order, undefined ones left out — built directly. pino's generic path
 * (hooks, mixins, serializers, a key loop with a type switch per member) cost more per request
 * than the rest of the log (measured with bench/icount.mjs, docs/performance.md).
 */
export function requestLine(f: RequestLogFields, time: number, pid: number): string {
  const id = f.rpcId;
  return (
    `{"level":${INFO},"time":${time},"pid":${pid}` +
    `,"method":${JSON.stringify(f.method)},"path":${JSON.stringify(f.path)},"status":${f.status},"durationMs":${f.durationMs}` +
    `,"clientIp":${JSON.stringify(f.clientIp)}` +
    str('sub', f.sub) +
    str('mcpMethod', f.mcpMethod) +
    str('tool', f.tool) +
    (id === undefined ? '' : `,"rpcId":${JSON.stringify(id)}`) +
    str('rejectedBy', f.rejectedBy) +
    str('reason', f.reason) +
    (f.aborted === undefined ? '' : ',"aborted":true') +
    (f.patches === undefined ? '' : `,"patches":${JSON.stringify(f.patches)}`) +
    ',"msg":"request"}\n'
  );
}

function handOver(log: RequestLog): void {
  log.handOver();
}

/** Writes the request lines; built once per server from the process logger. */
export class RequestLog {
  readonly #logger: Logger;
  readonly #enabled: boolean;
  /** The process logger's own destination (made by logger.ts): lines go there directly. */
  readonly #destination: { write(line: string): unknown } | undefined;
  /** Lines of this turn of the event loop, not yet handed to the destination. */
  #held = '';

  constructor(processLogger: Logger) {
    this.#enabled = processLogger.isLevelEnabled('info');
    this.#destination = this.#enabled ? logDestination(processLogger) : undefined;
    this.#logger = this.#enabled && this.#destination === undefined ? requestLogger(processLogger) : processLogger;
  }

  /**
   * The lines of one turn of the event loop go to the destination as one string, at the end of
   * the turn (setImmediate): one encoding to bytes and one queued buffer per turn, not per line.
   * (It began as a cure for sonic-boom's string mode, which re-measured everything pending on each
   * write; the destination is in buffer mode now, logger.ts lineDestination.)
   */
  write(ctx: RequestContext): void {
    if (!this.#enabled) return;
    const fields = new RequestLogFields(ctx);
    if (this.#destination === undefined) {
      this.#logger.info(fields, 'request');
      return;
    }
    if (this.#held === '') {
      heldAtExit.add(this);
      setImmediate(handOver, this);
    }
    this.#held += requestLine(fields, Date.now(), process.pid);
  }

  /** Give the held lines to the destination (end of the turn, or exit). */
  handOver(): void {
    const lines = this.#held;
    if (lines === '') return;
    this.#held = '';
    heldAtExit.delete(this);
    this.#destination!.write(lines);
  }
}
