// The stdio transport's terminal (SPEC §6): runs `command` as a child process and serves it to
// many HTTP clients as streamable HTTP at /mcp, or as the legacy SSE transport at /sse and
// /messages (proxy_mode). docs/stdio.md explains sessions, id mapping and restarts.

import type { Logger } from 'pino';
import { Rejection, writeRejection } from '../errors.js';
import type { RequestContext, Terminal } from '../chain/types.js';
import type { UpstreamConfig } from '../config/types.js';
import { Bridge } from './bridge.js';
import { childEnvironment } from './environment.js';
import { LegacySseEndpoint } from './legacySse.js';
import { DEFAULT_KEEPALIVE_MS, DEFAULT_MAX_STREAM_BUFFER_BYTES, DEFAULT_MAX_STREAMS_PER_SESSION, type SseSettings } from './sseStream.js';
import { StreamableHttpEndpoint } from './streamableHttp.js';
import { DEFAULT_SESSION_IDLE_TIMEOUT_MS, IdleSessionSweeper } from './sessionExpiry.js';
import { DEFAULT_MAX_SESSIONS, DEFAULT_MAX_SESSIONS_PER_CLIENT, SessionCaps } from './sessionCaps.js';
import { Supervisor, type BackoffPolicy } from './supervisor.js';

export type StdioUpstream = Extract<UpstreamConfig, { kind: 'stdio' }>;

export interface StdioTerminalOptions {
  readonly logger: Logger;
  readonly serverName: string;
  /** Restart delays (default 100 ms doubling to 10 s, reset after 30 s up). */
  readonly backoff?: BackoffPolicy;
  /** SIGTERM -> SIGKILL grace on stop (default 5 s). */
  readonly stopGraceMs?: number;
  /** SSE comment ping interval (default 15 s). */
  readonly keepAliveMs?: number;
  /** A session with no stream, no pending call and no request for this long is ended (default 30 min). */
  readonly sessionIdleTimeoutMs?: number;
  /** Unread bytes one SSE stream may hold before it is ended (`--max-stream-buffer`, default 16 MiB). */
  readonly maxStreamBufferBytes?: number;
  /** Sessions open at once (`--max-sessions`, default 1000). */
  readonly maxSessions?: number;
  /** Sessions open at once per client address (`--max-sessions-per-client`, default 100). */
  readonly maxSessionsPerClient?: number;
  /** Client traffic that may wait for a child not reading its stdin (default 64 MiB); past it 503. */
  readonly maxPendingInput?: number;
  /** Server requests one session may leave unanswered (default 32). */
  readonly maxServerRequestsPerSession?: number;
  /** Open SSE streams per session, the GET stream included (default 16). */
  readonly maxStreamsPerSession?: number;
  /** How long a call may wait for the start of the child's answer; 504 past it (default 30 s, SPEC §6). */
  readonly answerTimeoutMs?: number | undefined;
}

interface Endpoint {
  handle(ctx: RequestContext, res: NonNullable<RequestContext['res']>): void;
}

class StdioTerminal implements Terminal {
  readonly name = 'stdio';
  readonly #bridge: Bridge;
  readonly #supervisor: Supervisor;
  readonly #endpoint: Endpoint;
  readonly #logger: Logger;
  readonly #sweeper: IdleSessionSweeper;

  constructor(upstream: StdioUpstream, opts: StdioTerminalOptions) {
    const logger = opts.logger.child({ server: opts.serverName, component: 'stdio' });
    this.#logger = logger;
    const spec = { command: upstream.command, args: upstream.args, env: childEnvironment(upstream.env), serverName: opts.serverName };
    this.#supervisor = new Supervisor(spec, logger, {
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
      ...(opts.stopGraceMs !== undefined ? { stopGraceMs: opts.stopGraceMs } : {}),
      ...(opts.maxPendingInput !== undefined ? { maxPendingInput: opts.maxPendingInput } : {}),
    });
    this.#bridge = new Bridge(this.#supervisor, logger, { maxServerRequestsPerSession: opts.maxServerRequestsPerSession, answerTimeoutMs: opts.answerTimeoutMs });
    const caps = new SessionCaps(this.#bridge, logger, {
      maxSessions: opts.maxSessions ?? DEFAULT_MAX_SESSIONS,
      maxSessionsPerClient: opts.maxSessionsPerClient ?? DEFAULT_MAX_SESSIONS_PER_CLIENT,
    });
    const sse: SseSettings = {
      keepAliveMs: opts.keepAliveMs ?? DEFAULT_KEEPALIVE_MS,
      maxBufferBytes: opts.maxStreamBufferBytes ?? DEFAULT_MAX_STREAM_BUFFER_BYTES,
      maxStreamsPerSession: opts.maxStreamsPerSession ?? DEFAULT_MAX_STREAMS_PER_SESSION,
      logger,
    };
    this.#endpoint = upstream.proxyMode === 'sse' ? new LegacySseEndpoint(this.#bridge, caps, sse) : new StreamableHttpEndpoint(this.#bridge, caps, sse);
    this.#sweeper = new IdleSessionSweeper(this.#bridge, logger, opts.sessionIdleTimeoutMs ?? DEFAULT_SESSION_IDLE_TIMEOUT_MS);
  }

  /** The child's pid while it runs (tests, logs). */
  get pid(): number | undefined {
    return this.#supervisor.pid;
  }

  start(): Promise<void> {
    this.#sweeper.start();
    return this.#supervisor.start(this.#bridge);
  }

  forward(ctx: RequestContext): void {
    const res = ctx.res;
    if (!res) return;
    try {
      this.#endpoint.handle(ctx, res);
    } catch (err) {
      // A bug here must still answer the client, never hang it or crash the process.
      this.#logger.error({ err }, 'stdio bridge failed on a request');
      writeRejection(res, new Rejection('INTERNAL', ctx.mcp?.id, { reason: err instanceof Error ? err.message : String(err) }));
    }
  }

  check(timeoutMs: number): Promise<string | undefined> {
    return this.#bridge.check(timeoutMs);
  }

  async close(): Promise<void> {
    this.#sweeper.stop();
    this.#bridge.closeAll();
    await this.#supervisor.stop();
  }
}

export function createStdioTerminal(upstream: StdioUpstream, opts: StdioTerminalOptions): Terminal & { readonly pid: number | undefined } {
  return new StdioTerminal(upstream, opts);
}
