// Stage 3 of the chain (SPEC §3): judges the body once and leaves the parsed message on
// ctx.mcp for rate limiting and webhooks. Thin on purpose: the decisions live in parser.ts and
// mediaType.ts, which dry-run and the tests call directly.

import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';
import type { FoldScope } from './jsonShape.js';
import { isIdentityEncoding, isJsonMediaType } from './mediaType.js';
import { describeMessage, parseMcpMessage } from './parser.js';

const EMPTY = Buffer.alloc(0);

function note(ctx: RequestContext, summary: string, facts?: Record<string, unknown>): void {
  ctx.note = facts ? { summary, facts } : { summary };
}

class McpParserMiddleware implements Middleware {
  readonly name = 'parser';
  readonly #fold: FoldScope;

  constructor(fold: FoldScope) {
    this.#fold = fold;
  }

  handle(ctx: RequestContext): StageResult {
    if (ctx.httpMethod !== 'POST') {
      // A body on GET/DELETE would reach the upstream unjudged ("the proxy never forwards a body
      // it did not judge", SPEC §3), so it is refused; without one the request just continues.
      if (ctx.body !== null && ctx.body.length > 0) {
        const rejection = new Rejection('INVALID_REQUEST', undefined, { reason: `${ctx.httpMethod} with a body: only POST bodies are accepted` });
        if (ctx.trace) note(ctx, `rejected: ${rejection.reason}`);
        return rejection;
      }
      if (ctx.trace) note(ctx, `${ctx.httpMethod}: no body to parse`);
      return undefined;
    }

    const headers = ctx.headers;
    if (!isJsonMediaType(headers['content-type']) || !isIdentityEncoding(headers['content-encoding'])) {
      const reason = `Content-Type ${JSON.stringify(headers['content-type'] ?? null)}, Content-Encoding ${JSON.stringify(headers['content-encoding'] ?? null)}`;
      if (ctx.trace) note(ctx, `rejected: ${reason}`);
      return new Rejection('UNSUPPORTED_MEDIA_TYPE', undefined, { reason });
    }

    const result = parseMcpMessage(ctx.body ?? EMPTY, this.#fold);
    if (result instanceof Rejection) {
      if (ctx.trace) note(ctx, `rejected: ${result.message} (${result.reason})`);
      return result;
    }
    ctx.mcp = result;
    if (ctx.trace) {
      note(ctx, describeMessage(result), {
        kind: result.kind,
        method: result.method,
        id: result.id,
        resourceId: result.resourceId,
      });
    }
    return undefined;
  }
}

/** `fold`: how far member names are compared as Go folds them (jsonShape.ts); default: envelope and params. */
export function createMcpParserMiddleware(fold: FoldScope = 'envelope'): Middleware {
  return new McpParserMiddleware(fold);
}
