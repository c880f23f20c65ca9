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

/**
 * `s` as a JSON string. Printable ASCII without `"` or `\\` — nearly every value here — is quoted
 * as it is, in JIT-compiled code; anything else goes through JSON.stringify (escapes, control
 * characters, lone surrogates). Why not JSON.stringify always: each call enters V8's C++
 * serialiser, and with the request path's other code between two lines that entry measured
 * ~4 % of a request's CPU for the line's five or six strings (docs/performance.md, fourth session).
 */
export function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/** `,"name":value` for a string (JSON-escaped), or nothing when absent. */
function str(name: string, value: string | undefined): string {
  return value === undefined ? '' : `,"${name}":${jsonString(value)}`;
}

/**
 * A number of hundredths (non-negative integer) printed as JavaScript prints hundredths / 100:
 * `123` -> `1.23`, `120` -> `1.2`, `100` -> `1`, `5` -> `0.05` — integer conversions only (V8
 * keeps recent small integers' strings), where a double went through the shortest-decimal search.
 */
export function hundredths(h: number): string {
  const whole = Math.floor(h / 100);
  const frac = h - whole * 100;
  if (frac === 0) return `${whole}`;
  if (frac % 10 === 0) return `${whole}.${frac / 10}`;
  return `${whole}.${frac < 10 ? '0' : ''}${frac}`;
}

/** The last time printed and its text: a busy proxy writes many lines per millisecond. */
let lastTime = -1;
let lastTimeText = '';
/** `{"level":30,"time":` ... `,"pid":<pid>` for the pid last seen (a fork has another). */
let pidOf = -1;
let pidText = '';

/**
 * The line pino writes for `logger.info(fields, 'request')` with `base: { pid }` — the same
 * members in the same order, undefined ones left out — built directly. pino's generic path
 * (hooks, mixins, serializers, a key loop with a type switch per member) cost more per request
 * than the rest of the log (measured with bench/icount.mjs, docs/performance.md).
 */
export function requestLine(f: RequestLogFields, time: number, pid: number): string {
  if (time !== lastTime) {
    lastTime = time;
    lastTimeText = `{"level":${INFO},"time":${time}`;
  }
  if (pid !== pidOf) {
    pidOf = pid;
    pidText = `,"pid":${pid}`;
  }
  const id = f.rpcId;
  const ms = f.durationMs;
  return (
    lastTimeText +
    pidText +
    `,"method":${jsonString(f.method)},"path":${jsonString(f.path)},"status":${f.status}` +
    `,"durationMs":${ms >= 0 && ms < 1e13 ? hundredths(Math.round(ms * 100)) : ms}` +
    `,"clientIp":${jsonString(f.clientIp)}` +
    str('sub', f.sub) +
    str('mcpMethod', f.mcpMethod) +
    str('tool', f.tool) +
    (id === undefined ? '' : `,"rpcId":${typeof id === 'string' ? jsonString(id) : typeof id === 'number' && Number.isFinite(id) ? `${id}` : JSON.stringify(id)}`) +
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
