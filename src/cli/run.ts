// `thv-proxy run` (SPEC §1): validate exactly like `validate`, start, serve until SIGINT/SIGTERM,
// then shut down gracefully and exit 0. Faults are ThvErrors (config: exit 1, dependencies:
// exit 3); main.ts prints them as sentences.

import { EXIT } from '../errors.js';
import { loadConfigOrThrow } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { startProxy } from '../server/start.js';
import { DEFAULT_GRACE_MS } from '../server/server.js';
import type { RunOptions } from './options.js';

export async function runCommand(opts: RunOptions): Promise<number> {
  const { config, warnings } = await loadConfigOrThrow(opts.config, {
    host: opts.host,
    port: opts.port,
    store: opts.store,
    maxBodyBytes: opts.maxBodyBytes,
    allowUnenforced: opts.allowUnenforced,
  });
  const logger = createLogger({ level: opts.logLevel, format: opts.logFormat });
  for (const w of warnings) logger.warn(w);

  const proxy = await startProxy(config, {
    logger,
    rateLimitTimeoutMs: opts.rateLimitTimeoutMs,
    rateLimitFailureMode: opts.rateLimitFailureMode,
    rateLimitCode: opts.rateLimitCode,
    maxConnections: opts.maxConnections,
    stdioMaxSessions: opts.maxSessions,
    stdioMaxSessionsPerClient: opts.maxSessionsPerClient,
    stdioMaxStreamBufferBytes: opts.maxStreamBufferBytes,
  });

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ signal, graceMs: DEFAULT_GRACE_MS }, 'shutting down: finishing requests in flight');
  await proxy.close(DEFAULT_GRACE_MS);
  logger.info('stopped');
  logger.flush();
  return EXIT.OK;
}
