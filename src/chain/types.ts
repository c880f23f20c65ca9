// The shape every stage of the chain shares (docs/architecture.md). A stage returns nothing to
// let the request continue or a Rejection to stop it (Envoy's continue/stop contract); it may
// return a promise when it has to wait (reading the body, Redis, a webhook) — the runner awaits
// only then.

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Rejection } from '../errors.js';
import type { McpMessage } from '../mcp/types.js';
import type { ListEdit } from '../mcp/listAnswer.js';
import type { Principal } from '../auth/principal.js';

export type { Principal } from '../auth/principal.js';

/** What a stage reports about one request when tracing is on (dry-run). */
export interface StageReport {
  readonly stage: string;
  readonly outcome: 'continue' | 'reject';
  /** One human line: `tools/call "search"`, `allowed (shared 97/100, tool:search 4/5)`. */
  readonly summary: string;
  /** The facts behind the summary, for `--json`. */
  readonly facts?: Record<string, unknown>;
}

/** A stage's own contribution to its report; the runner adds `stage` and `outcome`. */
export interface StageNote {
  summary: string;
  facts?: Record<string, unknown>;
}

/** One operation a mutating webhook applied (SPEC §11): where, never the value (it may be a secret). */
export interface AppliedPatchOp {
  readonly webhook: string;
  readonly op: string;
  readonly path: string;
  /** move and copy only. */
  readonly from?: string;
}

/**
 * Per-request state. Fields are written by exactly one stage (noted on each) and read by later
 * ones. Created once per request by the server (or by dry-run), never copied.
 */
export interface RequestContext {
  /** HTTP method as received. */
  readonly httpMethod: string;
  /** Path and query as received. */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** Client address (X-Forwarded-For's first hop when trust_proxy_headers). */
  readonly clientIp: string;
  /** The live request to read the body from; null in dry-run, where `body` is given. */
  readonly req: IncomingMessage | null;
  /** The live response; null in dry-run. */
  readonly res: ServerResponse | null;
  /**
   * Set by body-limit: the exact bytes received (null when the request has no body); replaced by
   * a mutating webhook's patched request, the bytes every later stage and the upstream see.
   */
  body: Buffer | null;
  /** Set by mcp-parser: the parsed JSON-RPC message (null for GET/DELETE, non-JSON-RPC bodies). */
  mcp: McpMessage | null;
  /**
   * Appended by mutating webhooks that changed the request (they also replace `body` and `mcp`
   * with the patched request): the operations applied, in order, for the request log. Absent
   * (undefined) while nothing patched the request.
   */
  patches?: AppliedPatchOp[] | undefined;
  /**
   * Pushed by stages that edit the answer (Cedar list filtering, the tool filter): the terminal
   * runs them on list answers, last pushed first (src/mcp/listAnswer.ts). Absent: the answer
   * streams through untouched.
   */
  listEdits?: ListEdit[] | undefined;
  /**
   * Set by authentication: who sent the request (the verified token's sub and claims). Absent or
   * null when the config has no oidc_config; with one, every request past that stage has it.
   */
  principal?: Principal | null;
  /**
   * Set by a stage only when `trace` is non-null: what it saw and decided. Kept null on the
   * hot path so nothing is formatted that nobody reads.
   */
  note: StageNote | null;
  /**
   * The request's trace span (SPEC §12), set by telemetry when tracing is on, on first use (a
   * child span, forwarding, the close); absent or null otherwise. The proxy sends its
   * traceparent upstream in place of the client's.
   */
  span?: RequestSpan | null;
  /** Non-null in dry-run: the runner appends one report per stage. */
  readonly trace: StageReport[] | null;
  /** process.hrtime.bigint() when the request arrived, for the request log. */
  readonly startNs: bigint;
  /** Set by whoever answers with an error (a stage's rejection, the terminal): for the request log. */
  rejectedBy: string | undefined;
  /** Why, for the request log only; never sent to the client. */
  reason: string | undefined;
  /** Set by the terminal when the response is an event stream: shutdown ends standalone ones at once. */
  streaming: boolean;
  /**
   * Told when the client's response closes. Only used when `watchesClose` is true: the owner of
   * the context (the server, with one listener for every response) calls it, so a terminal adds
   * no 'close' listener of its own per request.
   */
  closeWatcher: CloseWatcher | null;
  readonly watchesClose: boolean;
}

/** A traced request as the terminal sees it: the W3C headers to send upstream. */
export interface RequestSpan {
  readonly traceparent: string;
  readonly tracestate: string | undefined;
}

export interface CloseWatcher {
  clientClosed(): void;
}

export type StageResult = void | Rejection;

/**
 * A path a stage answers itself, before the chain and without a token, like /health: the
 * authentication stage's RFC 9728 metadata. Only the `guardsProbes` stages run before it.
 */
export interface StageEndpoint {
  /** Exact path; the query is ignored. */
  readonly path: string;
  /** Writes the whole response. Only GET, HEAD and OPTIONS requests reach it. */
  answer(ctx: RequestContext, res: ServerResponse): void;
}

export interface Middleware {
  /** Stable name, used in logs, `validate` and dry-run (`rate-limit`, `webhook policy`). */
  readonly name: string;
  /**
   * True for stages that judge only the HTTP message (size, target, Host/Origin): they guard the
   * proxy's own endpoints (/health, /ready) as well as the chain.
   */
  readonly guardsProbes?: boolean;
  handle(ctx: RequestContext): StageResult | Promise<StageResult>;
  /** Paths this stage serves itself (see StageEndpoint). */
  readonly endpoints?: readonly StageEndpoint[];
  /**
   * Reach what the stage depends on before the proxy serves (the identity provider's keys), as
   * the Redis ping does. Rejects with a ThvError of a dependency code (exit 3).
   */
  start?(): Promise<void>;
  /** Release what the stage holds (connections, timers). */
  close?(): Promise<void>;
}

/**
 * The end of the chain: forwards the request (HTTP proxy, stdio bridge) or records it (dry-run).
 * `forward` owns `ctx.res` from then on: it writes the response (or a Rejection via
 * writeRejection) and must never throw.
 */
export interface Terminal {
  readonly name: string;
  /** Start what the terminal needs (spawn the stdio child). Rejects with a ThvError (exit 3). */
  start?(): Promise<void>;
  forward(ctx: RequestContext): void | Promise<void>;
  /** For GET /ready: undefined when the upstream answers, else a short reason. */
  check?(timeoutMs: number): Promise<string | undefined>;
  /** Stop: abort streams, stop the child, close pools. */
  close?(): Promise<void>;
}
