// The shape of a stage module (docs/architecture.md, "adding a stage"). Like ToolHive's
// MiddlewareType + factory, in two steps:
// - compile(config, report): read this stage's part of the loaded config once — parse entries,
//   read and parse files — into ready-to-use params, reporting each problem with its JSON pointer.
//   Runs at load, so `validate` sees every problem `run` could meet. Returns one compiled stage per
//   instance (none when the stage is not configured; one per webhook).
// - create(deps): the live middleware from those params and the process's dependencies (store,
//   logger). It cannot fail on config: everything that could was checked by compile.

import type { Logger } from 'pino';
import type { ProxyConfig } from '../config/types.js';
import type { TokenBucketStore } from '../ratelimit/store.js';
import type { RateLimitBehaviour } from '../ratelimit/middleware.js';
import type { StageTelemetry } from '../telemetry/hooks.js';
import type { Middleware } from './types.js';

/**
 * Where compile reports a problem: the JSON pointer of the field, and what is wrong. A
 * 'warning' (telemetry's, for a setting that does nothing) does not make the config invalid.
 */
export type Report = (pointer: string, message: string, level?: 'warning') => void;

export interface ChainDeps {
  readonly logger: Logger;
  /** Required when the plan has a rate-limit stage. */
  readonly store: TokenBucketStore | null;
  /** dry-run without --consume reads buckets without changing them. */
  readonly rateLimitMode: 'consume' | 'peek';
  /** Longest silence while a request body arrives (default 60 s). */
  readonly bodyStallMs?: number | undefined;
  /** Shortest time between JWKS fetches caused by unknown keys (default 30 s); tests shorten it. */
  readonly jwksCooldownMs?: number | undefined;
  /** `--rate-limit-failure-mode` and `--rate-limit-code`; absent: fail open, -32029. */
  readonly rateLimit?: RateLimitBehaviour | undefined;
  /** What stages report to telemetry (SPEC §12); absent: NO_TELEMETRY (off, nothing recorded). */
  readonly telemetry?: StageTelemetry | undefined;
}

export interface CompiledStage {
  /** The module's type (`body-limit`, `webhook`), for tests and `validate --json`. */
  readonly type: string;
  /** The instance's name (`webhook policy`), as logs and dry-run print it. */
  readonly name: string;
  /** One line with its key settings, as `validate` prints it. */
  readonly summary: string;
  create(deps: ChainDeps): Middleware;
}

export interface StageModule {
  readonly type: string;
  compile(config: ProxyConfig, report: Report): readonly CompiledStage[];
}
