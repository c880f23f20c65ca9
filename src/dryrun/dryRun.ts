// dry-run: one request through the real chain (the same planChain + buildChain + runChain as
// `run`), with the proxy replaced by a recorder. No second copy of any decision lives here.

import { maxHeaderSize, STATUS_CODES } from 'node:http';
import { Rejection } from '../errors.js';
import type { Logger } from 'pino';
import { planChain } from '../chain/plan.js';
import { observationNotes } from '../observability/dryRunNotes.js';
import { buildChain, startChain } from '../chain/build.js';
import { messagePath } from '../config/endpoint.js';
import { runChain } from '../chain/run.js';
import type { RequestContext, StageReport } from '../chain/types.js';
import type { ProxyConfig } from '../config/types.js';
import type { TokenBucketStore } from '../ratelimit/store.js';
import type { RateLimitBehaviour } from '../ratelimit/index.js';
import { buildHeaders } from './request.js';
import { RecorderTerminal } from './recorder.js';

export interface DryRunInput {
  readonly config: ProxyConfig;
  /** The request body exactly as given. */
  readonly body: Buffer;
  readonly headerArgs: readonly string[];
  /** Consume tokens (the real path) instead of peeking. */
  readonly consume: boolean;
  readonly store: TokenBucketStore | null;
  readonly logger: Logger;
  /** `--rate-limit-failure-mode` and `--rate-limit-code`, as `run` takes them. */
  readonly rateLimit?: RateLimitBehaviour | undefined;
}

export interface DryRunResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface DryRunResult {
  readonly verdict: 'forward' | 'reject';
  /** Name of the stage that rejected, when rejected. */
  readonly rejectedBy?: string;
  readonly stages: readonly StageReport[];
  readonly response?: DryRunResponse;
  /** What the operator should know about this run beyond the verdict (e.g. --consume with --store memory). */
  readonly notes?: readonly string[];
}

/** `--consume --store memory` takes tokens from buckets that die with this process. */
export const MEMORY_CONSUME_NOTE =
  '--consume has no lasting effect with --store memory: the buckets live in this dry-run process only and are gone when it exits; a running proxy\'s limits are untouched';


export async function dryRun(input: DryRunInput): Promise<DryRunResult> {
  const { config } = input;
  const plan = planChain(config);
  const stages = buildChain(plan, {
    logger: input.logger,
    store: input.store,
    rateLimitMode: input.consume ? 'consume' : 'peek',
    rateLimit: input.rateLimit,
  });
  const recorder = new RecorderTerminal(plan.terminal.summary);
  // What telemetry and audit would emit (SPEC §12), after the operator's own notes.
  const notesFor = (status: number | undefined): { notes?: string[] } => {
    const list = [...(input.consume && input.store?.kind === 'memory' ? [MEMORY_CONSUME_NOTE] : []), ...observationNotes(plan, ctx, status)];
    return list.length > 0 ? { notes: list } : {};
  };
  const trace: StageReport[] = [];
  const ctx: RequestContext = {
    httpMethod: 'POST',
    url: messagePath(config, 'dry-run'),
    headers: buildHeaders(input.headerArgs, config.host, config.port, input.body.length),
    clientIp: '127.0.0.1',
    req: null,
    res: null,
    body: input.body,
    mcp: null,
    principal: null,
    note: null,
    trace,
    startNs: process.hrtime.bigint(),
    rejectedBy: undefined,
    reason: undefined,
    streaming: false,
    closeWatcher: null,
    watchesClose: false,
  };
  try {
    // As `run`: the identity provider's keys are fetched first (exit 3 when it cannot be reached).
    await startChain(stages);
    const outcome = headOverflow(ctx, trace) ?? (await runChain(stages, ctx));
    if (outcome.rejection) {
      const r = outcome.rejection;
      // A stage that threw (a bug: the client gets a 500) left no report of its own; say which.
      if (outcome.rejectedBy && trace.at(-1)?.stage !== outcome.rejectedBy) {
        trace.push({ stage: outcome.rejectedBy, outcome: 'reject', summary: `failed: ${r.reason ?? r.message}` });
      }
      const { status, headers, body } = r.withIdFrom(ctx.body).response();
      return {
        verdict: 'reject',
        ...(outcome.rejectedBy ? { rejectedBy: outcome.rejectedBy } : {}),
        stages: trace,
        response: { status, statusText: STATUS_CODES[status] ?? '', headers, body },
        ...notesFor(status),
      };
    }
    recorder.forward(ctx);
    return { verdict: 'forward', stages: trace, ...notesFor(undefined) };
  } finally {
    await Promise.all(stages.map((s) => s.close?.()));
  }
}

/**
 * node's HTTP parser refuses a request head over its limit (16 KiB unless --max-http-header-size)
 * with 431 before any stage runs (src/server/clientError.ts): a 100 KB bearer token never reaches
 * authentication in `run`, so dry-run must not judge it either. Counted as the parser counts the
 * head, roughly: request target and every `name: value` line.
 */
function headOverflow(ctx: RequestContext, trace: StageReport[]): { rejection: Rejection; rejectedBy: string } | undefined {
  let bytes = ctx.url.length;
  for (const [name, value] of Object.entries(ctx.headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) bytes += name.length + v.length + 4;
  }
  if (bytes <= maxHeaderSize) return undefined;
  const reason = `request head of about ${bytes} bytes is over node's ${maxHeaderSize}-byte limit: refused before the chain`;
  trace.push({ stage: 'server', outcome: 'reject', summary: `rejected: ${reason}`, facts: { headBytes: bytes, limit: maxHeaderSize } });
  return { rejection: new Rejection('HEADERS_TOO_LARGE', undefined, { headers: { connection: 'close' }, reason }), rejectedBy: 'server' };
}

/** The human form: one line per stage, the verdict, and the response a client would get. */
export function formatDryRun(result: DryRunResult): string {
  const lines = result.stages.map((s) => `${s.stage}: ${s.summary}`);
  for (const n of result.notes ?? []) lines.push(`note: ${n}`);
  if (result.verdict === 'forward') {
    lines.push('verdict: forward');
  } else {
    lines.push(`verdict: reject${result.rejectedBy ? ` (by ${result.rejectedBy})` : ''}`);
    const res = result.response!;
    lines.push('', `HTTP/1.1 ${res.status} ${res.statusText}`);
    for (const [name, value] of Object.entries(res.headers)) lines.push(`${name}: ${value}`);
    lines.push('', res.body);
  }
  return lines.join('\n') + '\n';
}
