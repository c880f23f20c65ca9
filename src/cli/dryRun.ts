// `thv-proxy dry-run`: load the config like `run`, open the same store, pass one request through
// the real chain (src/dryrun), print each stage's outcome and the verdict. Exit 0 when the request
// would be forwarded, 4 when rejected (SPEC §1); 1 for a config that does not load (with --json,
// validate's JSON report on stdout).

import { EXIT } from '../errors.js';
import { configError, loadConfig } from '../config/load.js';
import { openStore } from '../chain/deps.js';
import { silentLogger } from '../observability/logger.js';
import { readRequestSource } from '../dryrun/request.js';
import { dryRun, formatDryRun } from '../dryrun/dryRun.js';
import type { DryRunOptions, Output } from './options.js';
import { validateReport } from './validate.js';

/** One check, asked once: wait for Redis's answer rather than failing open at 250 ms (unless --rate-limit-timeout says otherwise). */
const DRY_RUN_CHECK_TIMEOUT_MS = 5000;

export async function dryRunCommand(opts: DryRunOptions, io: Output): Promise<number> {
  // Usage problems (no request, unreadable @file) come before the config is even read.
  const body = await readRequestSource(opts.request);
  const loaded = await loadConfig(opts.config, { store: opts.store, allowUnenforced: opts.allowUnenforced });
  if (!loaded.ok) {
    if (!opts.json) throw configError(opts.config, loaded.errors);
    // --json promises one JSON object on stdout: a script parses it whatever happened.
    io.stdout(`${JSON.stringify(validateReport(loaded, null))}\n`);
    return EXIT.CONFIG_INVALID;
  }
  const { config, warnings } = loaded;
  for (const w of warnings) io.stderr(`warning: ${w}\n`);

  const logger = silentLogger();
  const store = await openStore(config, logger, { commandTimeoutMs: opts.rateLimitTimeoutMs ?? DRY_RUN_CHECK_TIMEOUT_MS });
  try {
    const rateLimit = { failureMode: opts.rateLimitFailureMode, code: opts.rateLimitCode };
    const result = await dryRun({ config, body, headerArgs: opts.headers, consume: opts.consume, store, logger, rateLimit });
    io.stdout(opts.json ? `${JSON.stringify(result)}\n` : formatDryRun(result));
    return result.verdict === 'forward' ? EXIT.OK : EXIT.DRY_RUN_REJECTED;
  } finally {
    await store?.close();
  }
}

