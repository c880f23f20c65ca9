// The command line (SPEC §1): argv -> typed options -> one command -> an exit code. commander
// parses and checks choices and numbers; every usage problem becomes exit 2, every ThvError its
// own exit code, and nothing reaches the user as a stack trace unless --log-level debug asks.

import { readFileSync } from 'node:fs';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { EXIT, ThvError } from '../errors.js';
import { formatDuration, parseDuration } from '../config/duration.js';
import { LOG_FORMATS, LOG_LEVELS, RATE_LIMIT_CODE_VALUE, RATE_LIMIT_CODES, RATE_LIMIT_FAILURE_MODES, RATE_LIMIT_TIMEOUT_MAX_MS, STORE_KINDS, type DryRunOptions, type Output, type RunOptions, type ValidateOptions } from './options.js';
import { validateCommand } from './validate.js';
import { parseAllowUnenforced } from '../config/unenforced.js';
import { hostProblem } from '../config/hostSyntax.js';

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function integer(min: number, max: number, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`expected ${what} (an integer from ${min} to ${max}).`);
    return n;
  };
}

/** `--host`: judged like the config's `host` (an empty value would listen on every interface). */
function listenHost(value: string): string {
  const problem = value === '' ? 'must not be empty (it would listen on every interface; say 0.0.0.0 or :: for that)' : hostProblem(value, { zone: true });
  if (problem !== null) throw new InvalidArgumentError(`${problem}.`);
  return value;
}

/** `--rate-limit-timeout <duration>`: a Go duration, > 0 and <= 5s, in milliseconds. */
export function parseRateLimitTimeout(value: string): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError(`expected a Go duration such as 250ms or 1s (${err instanceof Error ? err.message : String(err)}).`);
  }
  if (!(ms > 0) || ms > RATE_LIMIT_TIMEOUT_MAX_MS) {
    throw new InvalidArgumentError(`expected a duration greater than 0 and at most ${formatDuration(RATE_LIMIT_TIMEOUT_MAX_MS)}, got ${value}.`);
  }
  return ms;
}

const rateLimitTimeoutOption = (fallback: string): Option =>
  new Option('--rate-limit-timeout <duration>', `bound of one rate-limit check; slower fails open (Go duration, > 0, <= 5s; default ${fallback})`).argParser(
    parseRateLimitTimeout,
  );

const rateLimitFailureModeOption = (): Option =>
  new Option('--rate-limit-failure-mode <mode>', 'when a rate-limit check fails (Redis down or slower than the bound): open lets the call through, closed answers 503')
    .choices(RATE_LIMIT_FAILURE_MODES)
    .default('open');

const rateLimitCodeOption = (): Option =>
  new Option('--rate-limit-code <code>', 'JSON-RPC error code of the rate-limit rejection (HTTP 429 either way): -32029, or 429 as ToolHive v0.41+')
    .choices(RATE_LIMIT_CODES)
    .default('-32029');

const storeOption = (): Option =>
  new Option('--store <kind>', 'token-bucket store: redis, or memory (limits per process only)').choices(STORE_KINDS).default('redis');

/** `--allow-unenforced <fields>`: comma-separated, repeatable; a name that is no RunConfig field is a usage error. */
function allowUnenforced(value: string, previous: string[] | undefined): string[] {
  try {
    return [...(previous ?? []), ...parseAllowUnenforced(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

const allowUnenforcedOption = (): Option =>
  new Option('--allow-unenforced <fields>', 'accept these ToolHive fields that thv-proxy does not enforce, with a warning instead of an error (comma-separated)').argParser(
    allowUnenforced,
  );

/** A single-valued flag: given twice, commander would keep the last one silently. */
function once(value: string, previous: string | undefined): string {
  if (previous !== undefined) throw new InvalidArgumentError(`given twice (${JSON.stringify(previous)} and ${JSON.stringify(value)}): give it once.`);
  return value;
}

/** True when --version comes with anything else: commander would print the version and exit 0. */
function versionWithMore(args: readonly string[]): boolean {
  return args.length > 1 && args.some((a) => a === '--version' || a === '-V');
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const process_ = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) };

/** Runs the CLI; resolves to the exit code. `io` lets tests capture the output. */
export async function main(argv: string[], io: Output = process_): Promise<number> {
  let exitCode: number = EXIT.OK;
  let debug = false;

  const program = new Command('thv-proxy')
    .description('Rate-limiting, policy-enforcing proxy for MCP servers (a ToolHive proxy runner in TypeScript).')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', '\nExit codes: 0 ok, 1 invalid config, 2 usage error, 3 dependency failed at startup, 4 dry-run rejected.');

  program
    .command('run')
    .description('validate the config, connect Redis, start the upstream and serve')
    .requiredOption('-c, --config <file>', 'RunConfig JSON file', once)
    .option('--host <host>', 'address to listen on (overrides host)', listenHost)
    .option('--port <port>', 'port to listen on (overrides port)', integer(0, 65535, 'a port'))
    .addOption(storeOption())
    .addOption(new Option('--log-level <level>', 'log level').choices(LOG_LEVELS).default('info'))
    .addOption(new Option('--log-format <format>', 'log format').choices(LOG_FORMATS).default('json'))
    .option('--max-body <bytes>', 'largest request body in bytes (overrides max_body_bytes)', integer(1, Number.MAX_SAFE_INTEGER, 'a byte count'))
    .addOption(rateLimitTimeoutOption('250ms'))
    .addOption(allowUnenforcedOption())
    .option('--max-connections <n>', 'open client connections at most; past it new ones are refused (default 10000)', integer(1, 1_000_000, 'a connection count'))
    .addOption(rateLimitFailureModeOption())
    .addOption(rateLimitCodeOption())
    .option('--max-sessions <n>', 'stdio: sessions open at once; past it the oldest idle one is evicted, else 503 (default 1000)', integer(1, 1_000_000, 'a session count'))
    .option('--max-sessions-per-client <n>', 'stdio: sessions open at once per client address (default 100)', integer(1, 1_000_000, 'a session count'))
    .option('--max-stream-buffer <bytes>', 'stdio: unread bytes one SSE stream may hold before it is ended (default 16777216)', integer(65_536, Number.MAX_SAFE_INTEGER, 'a byte count'))
    .action(async (o: { config: string; host?: string; port?: number; store: RunOptions['store']; logLevel: RunOptions['logLevel']; logFormat: RunOptions['logFormat']; maxBody?: number; rateLimitTimeout?: number; allowUnenforced?: string[]; maxConnections?: number; rateLimitFailureMode: (typeof RATE_LIMIT_FAILURE_MODES)[number]; rateLimitCode: (typeof RATE_LIMIT_CODES)[number]; maxSessions?: number; maxSessionsPerClient?: number; maxStreamBuffer?: number }) => {
      debug = o.logLevel === 'debug' || o.logLevel === 'trace';
      const opts: RunOptions = {
        config: o.config,
        host: o.host,
        port: o.port,
        store: o.store,
        logLevel: o.logLevel,
        logFormat: o.logFormat,
        maxBodyBytes: o.maxBody,
        rateLimitTimeoutMs: o.rateLimitTimeout,
        allowUnenforced: o.allowUnenforced ?? [],
        maxConnections: o.maxConnections,
        rateLimitFailureMode: o.rateLimitFailureMode,
        rateLimitCode: RATE_LIMIT_CODE_VALUE[o.rateLimitCode],
        maxSessions: o.maxSessions,
        maxSessionsPerClient: o.maxSessionsPerClient,
        maxStreamBufferBytes: o.maxStreamBuffer,
      };
      // Loaded on demand: `validate` should not pay for Redis, undici and the server at startup.
      const { runCommand } = await import('./run.js');
      exitCode = await runCommand(opts);
    });

  program
    .command('validate')
    .description('check a config and print the middleware chain `run` would build')
    .argument('[file]', 'RunConfig JSON file')
    .option('-c, --config <file>', 'RunConfig JSON file (instead of the argument)', once)
    .option('--json', 'print the result as one JSON object', false)
    .addOption(storeOption())
    .addOption(allowUnenforcedOption())
    .action(async (file: string | undefined, o: { config?: string; json: boolean; store: ValidateOptions['store']; allowUnenforced?: string[] }, cmd: Command) => {
      if (file !== undefined && o.config !== undefined && file !== o.config) {
        cmd.error('error: give the config file once: as the argument or with --config, not both', { exitCode: EXIT.USAGE, code: 'thv.usage' });
      }
      const config = file ?? o.config;
      if (config === undefined) cmd.error('error: missing the config file: validate <file> or validate --config <file>', { exitCode: EXIT.USAGE, code: 'thv.usage' });
      exitCode = await validateCommand({ config, json: o.json, store: o.store, allowUnenforced: o.allowUnenforced ?? [] }, io);
    });

  program
    .command('dry-run')
    .description('pass one JSON-RPC request through the real chain, without reaching the upstream')
    .requiredOption('-c, --config <file>', 'RunConfig JSON file', once)
    .requiredOption('--request <json|@file|->', 'the request body: inline JSON, @file, or - for stdin', once)
    .option('-H, --header <header>', "a request header 'Name: value' (repeatable)", collect, [])
    .option('--consume', 'take tokens from the buckets (by default they are only read)', false)
    .option('--json', 'print the result as one JSON object', false)
    .addOption(storeOption())
    // dry-run's own default is 5s: one question asked once deserves Redis's real answer.
    .addOption(rateLimitTimeoutOption('5s'))
    .addOption(allowUnenforcedOption())
    .addOption(rateLimitFailureModeOption())
    .addOption(rateLimitCodeOption())
    .action(async (o: { config: string; request: string; header: string[]; consume: boolean; json: boolean; store: DryRunOptions['store']; rateLimitTimeout?: number; allowUnenforced?: string[]; rateLimitFailureMode: (typeof RATE_LIMIT_FAILURE_MODES)[number]; rateLimitCode: (typeof RATE_LIMIT_CODES)[number] }) => {
      const opts: DryRunOptions = {
        config: o.config,
        request: o.request,
        headers: o.header,
        consume: o.consume,
        json: o.json,
        store: o.store,
        rateLimitTimeoutMs: o.rateLimitTimeout,
        allowUnenforced: o.allowUnenforced ?? [],
        rateLimitFailureMode: o.rateLimitFailureMode,
        rateLimitCode: RATE_LIMIT_CODE_VALUE[o.rateLimitCode],
      };
      const { dryRunCommand } = await import('./dryRun.js');
      exitCode = await dryRunCommand(opts, io);
    });

  try {
    if (versionWithMore(argv.slice(2))) program.error('error: --version takes nothing else: run thv-proxy --version alone', { exitCode: EXIT.USAGE, code: 'thv.usage' });
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; everything else commander refuses is a usage error.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return EXIT.OK;
      if (err.code === 'commander.help' && err.exitCode === 0) return EXIT.OK;
      return EXIT.USAGE;
    }
    if (err instanceof ThvError) {
      for (const line of err.lines) io.stderr(`${line}\n`);
      if (debug && err.cause instanceof Error && err.cause.stack) io.stderr(`${err.cause.stack}\n`);
      return err.exitCode;
    }
    // A bug, not a user error: one sentence (the stack only when asked for), exit 1.
    const e = err instanceof Error ? err : new Error(String(err));
    io.stderr(`thv-proxy: internal error: ${e.message}\n`);
    if (debug && e.stack) io.stderr(`${e.stack}\n`);
    return EXIT.CONFIG_INVALID;
  }
}
