// Keeps one stdio MCP server process alive: the first start either succeeds or fails the whole
// `run` (exit 3); afterwards a child that exits is restarted with exponential backoff, and
// client traffic is held back until the new child has been prepared (re-initialized) so
// existing sessions keep working across a crash.
//
// Generations: each child lifetime has a number. Traffic sent while generation N is current
// belongs to N; when N exits, only N's requests are failed (502), and anything queued for it
// is dropped with it. Requests arriving while the next child starts belong to N+1.

import type { Logger } from 'pino';
import { ThvError } from '../errors.js';
import { StdioChild, type ChildExit, type ChildSpec } from './childProcess.js';

export type SupervisorState = 'starting' | 'preparing' | 'ready' | 'restarting' | 'stopped';

/**
 * Client traffic that may wait for the child (characters of queued lines): 64 MiB, eight
 * requests at the default body limit. Past it requests get 503 (SPEC §14).
 */
export const DEFAULT_MAX_PENDING_INPUT = 64 * 1024 * 1024;

/** What the bridge needs of the child: the Supervisor, handed to the bridge at construction. */
export interface ChildLink {
  /** The current child's lifetime number; traffic belongs to the generation it was sent to. */
  readonly generation: number;
  readonly state: SupervisorState;
  /** Client traffic: held back while a restarted child is being prepared. */
  send(line: string): void;
  /**
   * Too much client traffic already waits for the child (it is not reading its stdin, or is
   * being restarted): new requests are refused rather than queued without bound (SPEC §14).
   */
  inputFull(): boolean;
  /** The bridge's own requests (ping, initialize replay): written at once. */
  sendDirect(line: string): void;
}

/** What the supervisor tells the bridge; handed over when it starts, so neither builds the other. */
export interface SupervisorHooks {
  onLine(line: string): void;
  /** Generation `generation` is gone: fail what was sent to it. */
  onExit(generation: number): void;
  /** Make a fresh child ready to serve (probe it; replay initialize after a restart). */
  prepare(restart: boolean): Promise<void>;
}

export interface BackoffPolicy {
  readonly initialMs: number;
  readonly maxMs: number;
  /** A child that stayed up this long resets the delay to initialMs. */
  readonly resetAfterMs: number;
}

/** Until start() hands over the real hooks; no child exists before that, so none is called. */
const NOT_STARTED: SupervisorHooks = {
  onLine: () => undefined,
  onExit: () => undefined,
  prepare: () => Promise.resolve(),
};

export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 100, maxMs: 10_000, resetAfterMs: 30_000 };

export class Supervisor implements ChildLink {
  readonly #spec: ChildSpec;
  #hooks: SupervisorHooks = NOT_STARTED;
  readonly #logger: Logger;
  readonly #backoff: BackoffPolicy;
  readonly #stopGraceMs: number;
  readonly #maxPendingInput: number;
  #child: StdioChild | null = null;
  #state: SupervisorState = 'starting';
  #generation = 0;
  #startedAt = 0;
  #delayMs: number;
  #restartTimer: NodeJS.Timeout | null = null;
  /** Lines for the current generation, held until it is ready. */
  #held: string[] = [];
  /** Characters in #held. */
  #heldChars = 0;
  readonly #onProcessExit = (): void => this.#child?.killNow();

  constructor(spec: ChildSpec, logger: Logger, opts: { backoff?: BackoffPolicy; stopGraceMs?: number; maxPendingInput?: number } = {}) {
    this.#spec = spec;
    this.#logger = logger;
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.#stopGraceMs = opts.stopGraceMs ?? 5_000;
    this.#maxPendingInput = opts.maxPendingInput ?? DEFAULT_MAX_PENDING_INPUT;
    this.#delayMs = this.#backoff.initialMs;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  get generation(): number {
    return this.#generation;
  }

  get pid(): number | undefined {
    return this.#child?.exited === false ? this.#child.pid : undefined;
  }

  /**
   * First start, telling `hooks` (the bridge) from now on: resolves when the child is up and
   * prepared; rejects with a ThvError (exit 3).
   */
  async start(hooks: SupervisorHooks): Promise<void> {
    this.#hooks = hooks;
    let child: StdioChild;
    try {
      child = this.#spawn();
    } catch (err) {
      // Invalid arguments throw synchronously (e.g. a NUL byte in the command).
      this.#state = 'stopped';
      throw this.#startError(undefined, err);
    }
    process.on('exit', this.#onProcessExit);
    let failed: ChildExit | undefined;
    const exited = new Promise<never>((_, reject) => {
      this.#firstExit = (exit) => {
        failed = exit;
        reject(this.#startError(exit));
      };
    });
    exited.catch(() => undefined); // settled after the race when a timed-out probe stops the child
    try {
      await Promise.race([this.#hooks.prepare(false), exited]);
    } catch (err) {
      this.#state = 'stopped';
      process.removeListener('exit', this.#onProcessExit);
      if (!failed) await child.stop(this.#stopGraceMs);
      // The exit (with its code and stderr) explains more than the probe that noticed it.
      if (failed) throw this.#startError(failed);
      throw err instanceof ThvError ? err : this.#startError(undefined, err);
    } finally {
      this.#firstExit = null;
    }
    this.#becomeReady();
  }

  /** Client traffic: written now when ready, else held for the child being prepared. */
  send(line: string): void {
    if (this.#state === 'ready') this.#child!.write(line);
    else if (this.#state !== 'stopped') {
      this.#held.push(line);
      this.#heldChars += line.length;
    }
  }

  inputFull(): boolean {
    return this.#heldChars + (this.#child?.pending ?? 0) > this.#maxPendingInput;
  }

  /** The proxy's own messages (probe, initialize replay): bypass the hold. */
  sendDirect(line: string): void {
    this.#child?.write(line);
  }

  async stop(): Promise<void> {
    this.#state = 'stopped';
    this.#held = [];
    this.#heldChars = 0;
    if (this.#restartTimer) clearTimeout(this.#restartTimer);
    this.#restartTimer = null;
    const child = this.#child;
    if (child) await child.stop(this.#stopGraceMs);
    process.removeListener('exit', this.#onProcessExit);
  }

  #firstExit: ((exit: ChildExit) => void) | null = null;

  #spawn(): StdioChild {
    const generation = this.#generation;
    this.#startedAt = Date.now();
    const child = new StdioChild(
      this.#spec,
      { onLine: this.#hooks.onLine, onExit: (exit) => this.#onExit(generation, exit) },
      this.#logger,
    );
    this.#child = child;
    if (child.pid !== undefined) this.#logger.info({ childPid: child.pid, generation }, 'stdio server started');
    return child;
  }

  #onExit(generation: number, exit: ChildExit): void {
    if (generation !== this.#generation) return;
    this.#held = [];
    this.#heldChars = 0;
    // Requests created from now on belong to the next child.
    this.#generation++;
    this.#hooks.onExit(generation);
    if (this.#firstExit) {
      this.#firstExit(exit);
      return;
    }
    if (this.#state === 'stopped') return;
    const upMs = Date.now() - this.#startedAt;
    if (upMs >= this.#backoff.resetAfterMs) this.#delayMs = this.#backoff.initialMs;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, this.#backoff.maxMs);
    this.#state = 'restarting';
    this.#logger.error(
      { code: exit.code, signal: exit.signal, err: exit.error, upMs, restartInMs: delay },
      `stdio server exited (${describeExit(exit)}); restarting in ${delay} ms`,
    );
    this.#restartTimer = setTimeout(() => this.#restart(), delay);
  }

  #restart(): void {
    this.#restartTimer = null;
    if (this.#state === 'stopped') return;
    this.#state = 'preparing';
    let child: StdioChild;
    try {
      child = this.#spawn();
    } catch (err) {
      this.#onExit(this.#generation, { code: null, signal: null, error: err as Error, stderrTail: [] });
      return;
    }
    const generation = this.#generation;
    this.#hooks.prepare(true).then(
      () => {
        if (generation === this.#generation && this.#state === 'preparing') this.#becomeReady();
      },
      (err: unknown) => {
        if (generation !== this.#generation || this.#state === 'stopped') return;
        this.#logger.error({ err }, 'stdio server could not be re-initialized; restarting it');
        void child.stop(this.#stopGraceMs);
      },
    );
  }

  #becomeReady(): void {
    this.#state = 'ready';
    const held = this.#held;
    this.#held = [];
    this.#heldChars = 0;
    for (const line of held) this.#child!.write(line);
  }

  #startError(exit: ChildExit | undefined, err?: unknown): ThvError {
    const cause = exit ? describeExit(exit) : err instanceof Error ? err.message : String(err);
    return new ThvError('THV_ERR_UPSTREAM_START', `cannot start stdio server "${this.#spec.command}": ${cause}`, undefined, { cause: exit?.error ?? err });
  }
}

function describeExit(exit: ChildExit): string {
  if (exit.error) return exit.error.message;
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const tail = exit.stderrTail.at(-1);
  return tail ? `${how} (stderr: ${tail})` : how;
}
