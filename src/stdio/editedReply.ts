// List filtering for stdio upstreams (SPEC §10): the child's answer to a tools/list, prompts/list
// or resources/list is one JSON line; when the chain asked for edits (Cedar, the tool filter) the
// line is edited before it reaches the client, whichever transport carries it.

import type { RequestContext } from '../chain/types.js';
import type { Rejection } from '../errors.js';
import { editListAnswer, listKindOf } from '../mcp/listAnswer.js';
import type { ClientCall, Reply } from './calls.js';

class EditedReply implements Reply {
  readonly #inner: Reply;
  readonly #ctx: RequestContext;

  constructor(inner: Reply, ctx: RequestContext) {
    this.#inner = inner;
    this.#ctx = ctx;
  }

  related(line: string): boolean {
    return this.#inner.related(line);
  }

  respond(line: string): void {
    const { listEdits, mcp } = this.#ctx;
    const outcome = editListAnswer(line, listEdits!, listKindOf(mcp?.method), mcp?.id);
    this.#inner.respond(outcome === null ? line : outcome.text);
  }

  fail(rejection: Rejection): void {
    this.#inner.fail(rejection);
  }

  abandon(): void {
    this.#inner.abandon();
  }

  bind(call: ClientCall): void {
    this.#inner.bind(call);
  }
}

/** `reply`, or a reply that edits the answer when a stage asked for it. */
export function withListEdits(reply: Reply, ctx: RequestContext): Reply {
  return ctx.listEdits === undefined || ctx.mcp === null ? reply : new EditedReply(reply, ctx);
}
