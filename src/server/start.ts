// `run` after the config is loaded: open the store (Redis ping, 5 s, exit 3), build the chain from
// the plan, create and start the terminal (spawn the stdio child), listen, log the URL. Anything
// already opened is closed again when a later step fails, so a failed start leaves nothing behind.

import type { Logger } from 'pino';
import { buildChain, startChain } from '../chain/build.js';
import { openStore } from '../chain/deps.js';
import { planChain } from '../chain/plan.js';
import type { Middleware, Terminal } from '../chain/types.js';
import type { ProxyConfig } from '../config/types.js';
import { endpointPath } from '../config/endpoint.js';
import type { TokenBucketStore } from '../ratelimit/store.js';
import type { RateLimitCode, RateLimitFailureMode } from '../ratelimit/index.js';
import { createTerminal, type TerminalOptions } from '../proxy/terminal.js';
import { createProxyServer, DEFAULT_GRACE_MS } from './server.js';
import { openObservability, type Observability } from '../observability/open.js';

export interface RunningProxy {
  /** Base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  /** Where MCP clients connect: `${url}/mcp` or `${url}/sse`. */
  readonly endpoint: string;
  /** Prometheus /metrics URL when telemetry_config enables it (SPEC §12), else null. */
  readonly metricsUrl: string | null;
  /** Graceful stop (SPEC §1): in-flight requests get `graceMs` (10 s) to finish. */
  close(graceMs?: number): Promise<void>;
}

export interface StartOptions extends TerminalOptions {
  readonly logger: Logger;
  /** Bound of one rate-limit check in ms (`--rate-limit-timeout`); undefined: 250 ms (SPEC §4). */
  readonly rateLimitTimeoutMs?: number | undefined;
  /** `--rate-limit-failure-mode`: undefined, open (SPEC §4). */
  readonly rateLimitFailureMode?: RateLimitFailureMode | undefined;
  /** `--rate-limit-code`: undefined, -32029 (SPEC §4). */
  readonly rateLimitCode?: RateLimitCode | undefined;
  /** Open client connections at most (`--max-connections`, default 10 000). */
  readonly maxConnections?: number | undefined;
  /** Time to receive one whole request (default 5 min). */
  readonly requestTimeoutMs?: number | undefined;
  /** Time to receive a request's head (default 60 s, SPEC §14); not `headersTimeoutMs`, which bounds the upstream's answer. */
  readonly requestHeadersTimeoutMs?: number | undefined;
  /** Longest silence while a request body arrives (default 60 s, SPEC §14). */
  readonly bodyStallMs?: number | undefined;
  /** Shortest time between JWKS fetches caused by unknown keys (default 30 s, SPEC §9); tests shorten it. */
  readonly jwksCooldownMs?: number | undefined;
}

export { endpointPath } from '../config/endpoint.js';

export async function startProxy(config: ProxyConfig, opts: StartOptions): Promise<RunningProxy> {
  const { logger } = opts;
  const store: TokenBucketStore | null = await openStore(config, logger, { commandTimeoutMs: opts.rateLimitTimeoutMs, failureMode: opts.rateLimitFailureMode });
  let terminal: Terminal | undefined;
  let stages: Middleware[] = [];
  let served = false;
  let observing: Observability | undefined;
  try {
    const plan = planChain(config);
    observing = await openObservability(plan, logger);
    stages = buildChain(plan, { logger, store, rateLimitMode: 'consume', telemetry: observing.telemetry ?? undefined, bodyStallMs: opts.bodyStallMs, jwksCooldownMs: opts.jwksCooldownMs, rateLimit: { failureMode: opts.rateLimitFailureMode, code: opts.rateLimitCode } });
    // The identity provider must answer before anything is spawned or listened on (exit 3).
    await startChain(stages);
    terminal = await createTerminal(config, logger, opts);
    await terminal.start?.();
    // An HTTP upstream that is down now may come up later: say so, but serve (requests get 502).
    const upstreamDown = await terminal.check?.(2000);
    if (upstreamDown !== undefined) logger.warn(`${upstreamDown}; requests get 502 until it answers`);
    const server = createProxyServer({
      config,
      stages,
      terminal,
      logger,
      store,
      maxConnections: opts.maxConnections,
      requestTimeoutMs: opts.requestTimeoutMs,
      requestHeadersTimeoutMs: opts.requestHeadersTimeoutMs,
      observer: observing.observer,
    });
    served = true; // from here on server.close() releases the stages
    const url = await server.listen().catch(async (err: unknown) => {
      await server.close(0);
      throw err;
    });
    const endpoint = `${url}${endpointPath(config)}`;
    logger.info({ url, endpoint, server: config.name, transport: config.transport }, `thv-proxy serving ${config.name} at ${endpoint}`);
    return {
      url,
      endpoint,
      metricsUrl: observing.metricsUrl,
      close: (graceMs = DEFAULT_GRACE_MS) => server.close(graceMs),
    };
  } catch (err) {
    // server.close() already released terminal and store when listen failed; closing twice is harmless.
    await terminal?.close?.().catch(() => undefined);
    await store?.close().catch(() => undefined);
    if (!served) for (const stage of stages) await stage.close?.().catch(() => undefined);
    if (!served) await observing?.observer?.close();
    throw err;
  }
}
