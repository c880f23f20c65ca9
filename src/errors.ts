// Every error the proxy writes to a client, and every fault the CLI turns into an exit code,
// is defined here and nowhere else (SPEC §7 and §1). Callers branch on `kind`/`code`, never on
// message text.

import { STATUS_CODES, type ServerResponse } from 'node:http';
import { memberValueSpan } from './mcp/jsonSpans.js';

/** A JSON-RPC id as the client sent it: string, number, or absent (notification / unparsed). */
export type JsonRpcId = string | number | null | undefined;

/**
 * The kinds of rejection the proxy can answer with — one per row of SPEC §7 (plus internal).
 * Status, JSON-RPC code and message are fixed per kind so they cannot drift between callers.
 */
export const REJECTIONS = {
  BODY_TOO_LARGE: { status: 413, code: -32600, message: 'Request body too large' },
  HOST_NOT_ALLOWED: { status: 403, code: -32600, message: 'Host or Origin not allowed' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, code: -32600, message: 'Unsupported media type: expected application/json without content encoding' },
  PARSE_ERROR: { status: 400, code: -32700, message: 'Parse error' },
  BATCH_NOT_SUPPORTED: { status: 400, code: -32600, message: 'Invalid Request: JSON-RPC batching is not supported' },
  INVALID_REQUEST: { status: 400, code: -32600, message: 'Invalid Request' },
  // What node's HTTP server detects before a request exists (src/server/clientError.ts), with
  // node's own statuses; an HTTP/1.1 request without Host is refused by the body-limit stage.
  MALFORMED_HTTP: { status: 400, code: -32600, message: 'Invalid Request: malformed HTTP message' },
  REQUEST_TIMEOUT: { status: 408, code: -32600, message: 'Request timeout: the request did not arrive in time' },
  HEADERS_TOO_LARGE: { status: 431, code: -32600, message: 'Request header fields too large' },
  CHUNK_EXTENSIONS_TOO_LARGE: { status: 413, code: -32600, message: 'Request chunk extensions too large' },
  /** An `Expect` other than 100-continue (RFC 9110 §10.1.1). */
  EXPECTATION_FAILED: { status: 417, code: -32600, message: 'Expectation failed: only 100-continue is supported' },
  /** No or invalid bearer token (SPEC §9): always with a WWW-Authenticate header. */
  UNAUTHORIZED: { status: 401, code: -32001, message: 'Unauthorized' },
  RATE_LIMITED: { status: 429, code: -32029, message: 'Rate limit exceeded' },
  /** RATE_LIMITED as ToolHive v0.41+ answers it (`--rate-limit-code 429`); only the JSON-RPC code differs. */
  RATE_LIMITED_HTTP_CODE: { status: 429, code: 429, message: 'Rate limit exceeded' },
  /** `--rate-limit-failure-mode closed` while the store cannot answer (SPEC §4). */
  RATE_LIMIT_UNAVAILABLE: { status: 503, code: -32603, message: 'Rate limiter unavailable' },
  WEBHOOK_DENIED: { status: 403, code: 403, message: 'Request denied by policy' },
  /** Cedar denied (SPEC §10): ToolHive's answer (pkg/authz/middleware.go handleUnauthorized). */
  AUTHZ_DENIED: { status: 403, code: 403, message: 'Unauthorized' },
  /**
   * tools/call of a tool hidden by tools_filter: answered as ToolHive does, like a tool that does
   * not exist (HTTP 200, -32602); 400 for a client that does not accept JSON (pkg/mcp/tool_filter.go).
   */
  TOOL_NOT_FOUND: { status: 200, code: -32602, message: 'tool not found' },
  TOOL_NOT_FOUND_NOT_JSON: { status: 400, code: -32602, message: 'tool not found' },
  /** A list answer that cannot be filtered (too large, or a frame smuggling a result): never passed unfiltered. */
  LIST_FILTER_FAILED: { status: 500, code: -32603, message: 'internal error' },
  // Mutating webhooks (SPEC §11): ToolHive's statuses and messages (pkg/webhook/mutating), so a
  // client sees the same answer from either proxy. Every 500 but the denials follows failure_policy.
  MUTATING_WEBHOOK_DENIED: { status: 403, code: 403, message: 'Request denied by webhook policy' },
  MUTATING_WEBHOOK_UNPROCESSABLE: { status: 422, code: 403, message: 'Request denied by webhook policy' },
  MUTATING_WEBHOOK_FAILED: { status: 500, code: -32603, message: 'Webhook error' },
  MUTATING_WEBHOOK_PATCH_TYPE: { status: 500, code: -32603, message: 'Unsupported patch type from webhook' },
  MUTATING_WEBHOOK_PATCH_MALFORMED: { status: 500, code: -32603, message: 'Malformed patch from webhook' },
  MUTATING_WEBHOOK_PATCH_INVALID: { status: 500, code: -32603, message: 'Invalid patch from webhook' },
  MUTATING_WEBHOOK_PATCH_SCOPE: { status: 500, code: -32603, message: 'Patch must be scoped to mcp_request' },
  /** thv-proxy only: the request was judged and charged as this jsonrpc/id/method. */
  MUTATING_WEBHOOK_PATCH_PROTECTED: { status: 500, code: -32603, message: 'Patch must not change jsonrpc, id or method' },
  MUTATING_WEBHOOK_PATCH_FAILED: { status: 500, code: -32603, message: 'Failed to apply patch from webhook' },
  MUTATING_WEBHOOK_PATCH_INTERNAL: { status: 500, code: -32603, message: 'Internal error applying patch' },
  MUTATING_WEBHOOK_INVALID_RESULT: { status: 500, code: -32603, message: 'Webhook produced an invalid MCP request' },
  MUTATING_WEBHOOK_RESULT_TOO_LARGE: { status: 500, code: -32603, message: 'Patched request exceeds maximum size' },
  UPSTREAM_UNREACHABLE: { status: 502, code: -32603, message: 'Upstream MCP server unreachable' },
  UPSTREAM_TIMEOUT: { status: 504, code: -32603, message: 'Upstream MCP server did not answer in time' },
  NOT_FOUND: { status: 404, code: -32600, message: 'Not found' },
  METHOD_NOT_ALLOWED: { status: 405, code: -32600, message: 'Method not allowed' },
  /** stdio: a GET for the session's event stream whose Accept does not take text/event-stream. */
  NOT_ACCEPTABLE: { status: 406, code: -32600, message: 'Not Acceptable: the client must accept text/event-stream' },
  /** stdio: a session cap (`--max-sessions`, `--max-sessions-per-client`) is reached and no session is idle (SPEC §14). */
  TOO_MANY_SESSIONS: { status: 503, code: -32603, message: 'Too many sessions' },
  /** stdio: the child is not reading its stdin and 64 MiB of client traffic already wait for it (SPEC §14). */
  STDIO_INPUT_FULL: { status: 503, code: -32603, message: 'MCP server is not reading its input' },
  INTERNAL: { status: 500, code: -32603, message: 'Internal proxy error' },
} as const;

export type RejectionKind = keyof typeof REJECTIONS;

/**
 * A decision to stop a request and answer it. Deliberately not an Error: a 429 flood must not
 * capture thousands of stack traces.
 */
export class Rejection {
  readonly kind: RejectionKind;
  readonly status: number;
  readonly code: number;
  readonly message: string;
  /** JSON-RPC id of the request, when one was parsed. */
  readonly id: JsonRpcId;
  /** Extra HTTP headers (e.g. Retry-After). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** JSON-RPC `error.data`, when the row of SPEC §7 defines one. */
  readonly data: unknown;
  /** Why, for logs and dry-run only — never sent to the client. */
  readonly reason: string | undefined;
  /** The id's JSON text as the client wrote it (withIdFrom), when a double would print it otherwise. */
  #idText: string | undefined;

  constructor(
    kind: RejectionKind,
    id: JsonRpcId,
    opts?: { headers?: Record<string, string>; data?: unknown; reason?: string },
  ) {
    const def = REJECTIONS[kind];
    this.kind = kind;
    this.status = def.status;
    this.code = def.code;
    this.message = def.message;
    this.id = id;
    this.headers = opts?.headers;
    this.data = opts?.data;
    this.reason = opts?.reason;
  }

  /**
   * This rejection answering with the id exactly as `judged` (the request's bytes) wrote it.
   * JSON.stringify prints a number's double: 9007199254740993 would come back as ...992, 1e400 as
   * null, and the client could not match the answer to its request. Small integers (every id a
   * client library sends) print back the same and are not looked up.
   */
  withIdFrom(judged: Buffer | null | undefined): Rejection {
    if (!this.#printsInexactly() || judged === null || judged === undefined) return this;
    const text = judged.toString('utf8');
    const span = memberValueSpan(text, ['id']);
    return span ? this.withIdText(text.slice(span.start, span.end)) : this;
  }

  /** This rejection answering with `idText`, the id's JSON text as the client wrote it (see withIdFrom). */
  withIdText(idText: string): Rejection {
    if (!this.#printsInexactly() || JSON.parse(idText) !== this.id) return this;
    const exact = new Rejection(this.kind, this.id, { headers: this.headers as Record<string, string> | undefined, data: this.data, reason: this.reason });
    exact.#idText = idText;
    return exact;
  }

  /** A numeric id JSON.stringify may not print as the client wrote it (not a small integer). */
  #printsInexactly(): boolean {
    const id = this.id;
    return typeof id === 'number' && !(Number.isSafeInteger(id) && !Object.is(id, -0));
  }

  /** The JSON-RPC 2.0 error body; `id` omitted when none was parsed (SPEC §7). */
  body(): string {
    const idPart = this.id === undefined ? '' : `"id":${this.#idText ?? JSON.stringify(this.id)},`;
    const dataPart = this.data === undefined ? '' : `,"data":${JSON.stringify(this.data)}`;
    return `{"jsonrpc":"2.0",${idPart}"error":{"code":${this.code},"message":${JSON.stringify(this.message)}${dataPart}}}`;
  }

  /** The whole HTTP response a client receives: status, every header, body (the one builder). */
  response(): { status: number; headers: Record<string, string>; body: string } {
    const body = this.body();
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.headers };
    headers['content-length'] = String(Buffer.byteLength(body));
    return { status: this.status, headers, body };
  }
}

/**
 * Write a rejection as the HTTP response. Safe to call once headers were sent (then it just ends)
 * and once the response was destroyed (then nothing: its status must not claim an answer).
 */
export function writeRejection(res: ServerResponse, rejection: Rejection): void {
  if (res.destroyed) return;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const { status, headers, body } = rejection.response();
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * A rejection as the bytes of a whole HTTP/1.1 response with `Connection: close`, for answers
 * written straight to a socket: node's 'clientError' has no response object. Built once per kind
 * at startup by its caller, never per request.
 */
export function rawResponse(rejection: Rejection): Buffer {
  const { status, headers, body } = rejection.response();
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n`;
  for (const name of Object.keys(headers)) if (name !== 'connection') head += `${name}: ${headers[name]}\r\n`;
  return Buffer.from(`${head}connection: close\r\n\r\n${body}`);
}

// ---------------------------------------------------------------------------------------------
// CLI faults and exit codes (SPEC §1). One code per meaning, the same for every command.

export const EXIT = {
  OK: 0,
  CONFIG_INVALID: 1,
  USAGE: 2,
  DEPENDENCY_FAILED: 3,
  DRY_RUN_REJECTED: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export type ThvErrorCode =
  | 'THV_ERR_CONFIG'
  | 'THV_ERR_USAGE'
  | 'THV_ERR_REDIS_UNREACHABLE'
  | 'THV_ERR_PORT_IN_USE'
  | 'THV_ERR_LISTEN'
  | 'THV_ERR_UPSTREAM_START'
  | 'THV_ERR_IDP_UNREACHABLE';

const EXIT_BY_CODE: Record<ThvErrorCode, ExitCode> = {
  THV_ERR_CONFIG: EXIT.CONFIG_INVALID,
  THV_ERR_USAGE: EXIT.USAGE,
  THV_ERR_REDIS_UNREACHABLE: EXIT.DEPENDENCY_FAILED,
  THV_ERR_PORT_IN_USE: EXIT.DEPENDENCY_FAILED,
  THV_ERR_LISTEN: EXIT.DEPENDENCY_FAILED,
  THV_ERR_UPSTREAM_START: EXIT.DEPENDENCY_FAILED,
  THV_ERR_IDP_UNREACHABLE: EXIT.DEPENDENCY_FAILED,
};

/** A fault the CLI reports as plain sentences on stderr and maps to an exit code. */
export class ThvError extends Error {
  readonly code: ThvErrorCode;
  readonly exitCode: ExitCode;
  /** One line per problem (config errors list every problem at once). */
  readonly lines: readonly string[];

  constructor(code: ThvErrorCode, message: string, lines?: readonly string[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ThvError';
    this.code = code;
    this.exitCode = EXIT_BY_CODE[code];
    this.lines = lines ?? [message];
  }
}
