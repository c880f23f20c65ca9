// One lifetime of the stdio MCP server process: spawn, newline-delimited JSON-RPC on
// stdin/stdout, stderr to the log, exit. Restarts are the supervisor's business; this class
// never outlives its process.
//
// Backpressure: when stdin.write returns false the pipe is full (the child is not reading);
// later lines wait in a queue until 'drain' instead of piling up inside the stream. What waits is
// bounded by the bridge (Supervisor.inputFull): a child that stops reading must not let clients
// pile their requests up in the proxy's memory.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { LineFramer } from './lineFramer.js';

/** A single line of JSON-RPC from the child's stdout may not exceed this (large tool results fit). */
const MAX_LINE_BYTES = 64 * 1024 * 1024;
/** stderr lines beyond this are cut in the log; stderr is for people, not data. */
const MAX_STDERR_LINE = 64 * 1024;
const STDERR_TAIL = 5;

export interface ChildSpec {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly serverName: string;
}

export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be spawned at all (ENOENT, EACCES). */
  readonly error: Error | undefined;
  /** The last stderr lines, for a start failure message. */
  readonly stderrTail: readonly string[];
}

export interface ChildHandlers {
  onLine(line: string): void;
  onExit(exit: ChildExit): void;
}

export class StdioChild {
  readonly #proc: ChildProcess;
  readonly #logger: Logger;
  readonly #handlers: ChildHandlers;
  readonly #queue: string[] = [];
  /** Characters in #queue. */
  #queuedChars = 0;
  readonly #stderrTail: string[] = [];
  #blocked = false;
  #exited = false;
  #exitPromise: Promise<void>;
  #resolveExit!: () => void;

  constructor(spec: ChildSpec, handlers: ChildHandlers, logger: Logger) {
    this.#handlers = handlers;
    this.#logger = logger;
    this.#exitPromise = new Promise((resolve) => (this.#resolveExit = resolve));
    // Not detached: the child stays in our process group, so a terminal's Ctrl-C reaches it too.
    this.#proc = spawn(spec.command, spec.args, { env: spec.env, stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    const stdout = new LineFramer({
      maxLineBytes: MAX_LINE_BYTES,
      onLine: handlers.onLine,
      onOversize: (bytes) => logger.warn({ bytes }, 'stdio server wrote a line over 64 MiB; dropped'),
    });
    const stderr = new LineFramer({
      maxLineBytes: MAX_LINE_BYTES,
      onLine: (line) => this.#logStderr(line),
      onOversize: () => undefined,
    });
    this.#proc.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
    this.#proc.stdout!.on('end', () => stdout.end());
    this.#proc.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk));
    this.#proc.stderr!.on('end', () => stderr.end());
    // EPIPE when the child dies with writes pending: the exit handler reports it.
    this.#proc.stdin!.on('error', (err) => logger.debug({ err }, 'stdio server stdin error'));
    this.#proc.stdin!.on('drain', () => this.#flush());
    this.#proc.on('error', (err) => {
      // 'error' without a pid: spawn failed and no 'close' may follow.
      if (this.#proc.pid === undefined) this.#finish({ code: null, signal: null, error: err, stderrTail: this.#stderrTail });
      else logger.warn({ err }, 'stdio server process error');
    });
    // 'close' (not 'exit'): every stdout line has been read by then.
    this.#proc.on('close', (code, signal) => this.#finish({ code, signal, error: undefined, stderrTail: this.#stderrTail }));
  }

  get pid(): number | undefined {
    return this.#proc.pid;
  }

  get exited(): boolean {
    return this.#exited;
  }

  /** Send one JSON-RPC message (without its newline). Queued while the pipe is full. */
  write(line: string): void {
    if (this.#exited) return;
    if (this.#blocked) {
      this.#queue.push(line);
      this.#queuedChars += line.length;
      return;
    }
    if (!this.#proc.stdin!.write(line + '\n')) this.#blocked = true;
  }

  /** What waits to reach the child: queued lines and the bytes inside the stdin stream. */
  get pending(): number {
    return this.#exited ? 0 : this.#queuedChars + this.#proc.stdin!.writableLength;
  }

  /** Close stdin and SIGTERM; SIGKILL when still alive after `graceMs`. Resolves once it is gone. */
  stop(graceMs: number): Promise<void> {
    if (!this.#exited) {
      this.#queue.length = 0;
      this.#queuedChars = 0;
      this.#proc.stdin!.end();
      this.#proc.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!this.#exited) {
          this.#logger.warn({ childPid: this.pid, graceMs }, 'stdio server ignored SIGTERM; sending SIGKILL');
          this.#proc.kill('SIGKILL');
        }
      }, graceMs);
      void this.#exitPromise.then(() => clearTimeout(timer));
    }
    return this.#exitPromise;
  }

  /** Synchronous last resort for process 'exit': no promise will ever run. */
  killNow(): void {
    if (!this.#exited) this.#proc.kill('SIGKILL');
  }

  #flush(): void {
    this.#blocked = false;
    const stdin = this.#proc.stdin!;
    while (this.#queue.length > 0) {
      const line = this.#queue.shift()!;
      this.#queuedChars -= line.length;
      if (!stdin.write(line + '\n')) {
        this.#blocked = true;
        return;
      }
    }
  }

  #logStderr(line: string): void {
    const text = line.length > MAX_STDERR_LINE ? `${line.slice(0, MAX_STDERR_LINE)}…` : line;
    this.#stderrTail.push(text);
    if (this.#stderrTail.length > STDERR_TAIL) this.#stderrTail.shift();
    this.#logger.info({ stream: 'stderr' }, text);
  }

  #finish(exit: ChildExit): void {
    if (this.#exited) return;
    this.#exited = true;
    this.#queue.length = 0;
    this.#queuedChars = 0;
    this.#resolveExit();
    this.#handlers.onExit(exit);
  }
}
