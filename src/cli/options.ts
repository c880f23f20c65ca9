// The parsed, validated options of each command. main.ts turns argv into these (commander checks
// choices and numbers, so a bad flag is a usage error, exit 2); the command modules trust them.

import type { StoreKind } from '../config/types.js';
import type { LogFormat, LogLevel } from '../observability/logger.js';
import type { RateLimitCode, RateLimitFailureMode } from '../ratelimit/index.js';

export const STORE_KINDS = ['redis', 'memory'] as const satisfies readonly StoreKind[];
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const satisfies readonly LogLevel[];
export const LOG_FORMATS = ['json', 'pretty'] as const satisfies readonly LogFormat[];
/** `--rate-limit-failure-mode`: a failed check lets the call through (open, as ToolHive) or answers 503. */
export const RATE_LIMIT_FAILURE_MODES = ['open', 'closed'] as const satisfies readonly RateLimitFailureMode[];
/** `--rate-limit-code` (SPEC §4): as typed on the command line; RATE_LIMIT_CODE_VALUE maps them. */
export const RATE_LIMIT_CODES = ['-32029', '429'] as const;
export const RATE_LIMIT_CODE_VALUE: Readonly<Record<(typeof RATE_LIMIT_CODES)[number], RateLimitCode>> = { '-32029': -32029, '429': 429 };

/**
 * `--rate-limit-timeout`: the bound of one rate-limit check (SPEC §4: slower fails open). Above
 * 5 s a "bound" stops protecting anything: a request would wait longer for a limiter than for
 * most upstreams, so larger values are refused as a usage error.
 */
export const RATE_LIMIT_TIMEOUT_MAX_MS = 5000;

/** `thv-proxy run --config <file> [--host] [--port] [--store] [--log-level] [--log-format] [--max-body] [--rate-limit-timeout]` */
export interface RunOptions {
  /** Path of the RunConfig file. */
  readonly config: string;
  /** Overrides the config's `host`. */
  readonly host: string | undefined;
  /** Overrides the config's `port`. */
  readonly port: number | undefined;
  /** Token-bucket store; default "redis". */
  readonly store: StoreKind;
  readonly logLevel: LogLevel;
  readonly logFormat: LogFormat;
  /** Overrides the config's `max_body_bytes`. */
  readonly maxBodyBytes: number | undefined;
  /** Bound of one rate-limit check in ms (`--rate-limit-timeout`); undefined: the store's 250 ms. */
  readonly rateLimitTimeoutMs: number | undefined;
  /** `--allow-unenforced`: unenforced ToolHive fields accepted with a warning (SPEC §2). */
  readonly allowUnenforced?: readonly string[] | undefined;
  /** Open client connections at most (`--max-connections`); undefined: 10 000. */
  readonly maxConnections?: number | undefined;
  /** `--rate-limit-failure-mode`; undefined: open. */
  readonly rateLimitFailureMode?: RateLimitFailureMode | undefined;
  /** `--rate-limit-code`; undefined: -32029. */
  readonly rateLimitCode?: RateLimitCode | undefined;
  /** stdio: sessions open at once (`--max-sessions`); undefined: 1000. */
  readonly maxSessions?: number | undefined;
  /** stdio: sessions open at once per client address (`--max-sessions-per-client`); undefined: 100. */
  readonly maxSessionsPerClient?: number | undefined;
  /** stdio: unread bytes one SSE stream may hold (`--max-stream-buffer`); undefined: 16 MiB. */
  readonly maxStreamBufferBytes?: number | undefined;
}

/** `thv-proxy validate <file> | --config <file> [--json] [--store]` */
export interface ValidateOptions {
  readonly config: string;
  readonly json: boolean;
  readonly store: StoreKind;
  /** `--allow-unenforced`: unenforced ToolHive fields accepted with a warning (SPEC §2). */
  readonly allowUnenforced?: readonly string[] | undefined;
}

/** `thv-proxy dry-run --config <file> --request <json|@file|-> [--header 'Name: value']... [--consume] [--json] [--store] [--rate-limit-timeout]` */
export interface DryRunOptions {
  readonly config: string;
  /** The request source exactly as given: inline JSON, `@file`, or `-` for stdin. */
  readonly request: string;
  /** Every `--header 'Name: value'`, in order, unparsed. */
  readonly headers: readonly string[];
  /** Take tokens from the buckets (the real path) instead of only reading them. */
  readonly consume: boolean;
  readonly json: boolean;
  readonly store: StoreKind;
  /** Bound of the rate-limit check in ms (`--rate-limit-timeout`); undefined: dry-run's own 5 s. */
  readonly rateLimitTimeoutMs: number | undefined;
  /** `--rate-limit-failure-mode`; undefined: open. */
  readonly rateLimitFailureMode?: RateLimitFailureMode | undefined;
  /** `--rate-limit-code`; undefined: -32029. */
  readonly rateLimitCode?: RateLimitCode | undefined;
  /** `--allow-unenforced`: unenforced ToolHive fields accepted with a warning (SPEC §2). */
  readonly allowUnenforced?: readonly string[] | undefined;
}

/** Where a command prints; process.stdout/stderr in the binary, buffers in tests. */
export interface Output {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}
