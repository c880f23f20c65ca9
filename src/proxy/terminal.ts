// Picks the terminal for the configured upstream: the HTTP proxy for `streamable-http`/`sse`,
// the stdio bridge for `stdio` (loaded only then, so an HTTP deployment never loads it).

import type { Logger } from 'pino';
import type { Terminal } from '../chain/types.js';
import type { ProxyConfig } from '../config/types.js';
import { HttpProxyTerminal } from './httpProxy.js';

export interface TerminalOptions {
  /** Upstream response-head timeout (default 30 s, SPEC §6); for stdio, the wait for the start of the child's answer. */
  readonly headersTimeoutMs?: number;
  /** stdio only: idle-session expiry (default 30 min; tests shorten it). */
  readonly stdioSessionIdleTimeoutMs?: number;
  /** stdio only: unread bytes one SSE stream may hold (`--max-stream-buffer`, default 16 MiB). */
  readonly stdioMaxStreamBufferBytes?: number | undefined;
  /** stdio only: sessions open at once (`--max-sessions`, default 1000). */
  readonly stdioMaxSessions?: number | undefined;
  /** stdio only: sessions open at once per client address (`--max-sessions-per-client`, default 100). */
  readonly stdioMaxSessionsPerClient?: number | undefined;
}

export async function createTerminal(config: ProxyConfig, logger: Logger, opts: TerminalOptions = {}): Promise<Terminal> {
  const upstream = config.upstream;
  if (upstream.kind === 'http') {
    return new HttpProxyTerminal({
      origin: upstream.origin,
      path: upstream.path,
      query: upstream.query,
      transport: upstream.transport,
      trustProxyHeaders: config.trustProxyHeaders,
      // The proxy authenticates the client itself: its token is not the upstream's business.
      dropAuthorization: Boolean(config.oidc),
      logger,
      ...(opts.headersTimeoutMs !== undefined ? { headersTimeoutMs: opts.headersTimeoutMs } : {}),
    });
  }
  const { createStdioTerminal } = await import('../stdio/index.js');
  return createStdioTerminal(upstream, {
    logger,
    serverName: config.name,
    answerTimeoutMs: opts.headersTimeoutMs,
    ...(opts.stdioSessionIdleTimeoutMs !== undefined ? { sessionIdleTimeoutMs: opts.stdioSessionIdleTimeoutMs } : {}),
    ...(opts.stdioMaxStreamBufferBytes !== undefined ? { maxStreamBufferBytes: opts.stdioMaxStreamBufferBytes } : {}),
    ...(opts.stdioMaxSessions !== undefined ? { maxSessions: opts.stdioMaxSessions } : {}),
    ...(opts.stdioMaxSessionsPerClient !== undefined ? { maxSessionsPerClient: opts.stdioMaxSessionsPerClient } : {}),
  });
}
