// One pino logger for the process. Redaction paths are compiled once here, so no secret can reach
// a log line whichever module logs it (SPEC §8). The request log (requestLog.ts) shares the
// destination but not the redaction: its fields are fixed and never hold a secret.
//
// JSON lines to stdout are batched: a write once ~4 KiB wait for a pipe (64 KiB for a regular
// file) instead of one per line (the request log line made one fs.write per request, the largest single
// cost in the profile). A batch waits at most FLUSH_DELAY_MS (sonic-boom's periodic flush);
// warnings and errors are flushed at once; what is left is written at exit (pino flushes its
// destination on 'exit'/'beforeExit'). At most 16 MiB wait for a destination that stalls; past
// that, lines are dropped.

import { fstatSync } from 'node:fs';
import pino, { type Logger } from 'pino';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'pretty';

const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["proxy-authorization"]',
  'headers.authorization',
  'headers.cookie',
  'password',
  '*.password',
  'secret',
  '*.secret',
  'hmacSecret',
  '*.hmacSecret',
];

/**
 * Bytes buffered before a write to a pipe, socket or terminal: small, so a reader sees lines soon.
 * A write is at least this and at most sonic-boom's default maxWrite (16 KiB) — not within the
 * 4 KiB Linux writes to a pipe atomically (docs/operations.md: one writer per pipe).
 */
export const BUFFER_BYTES = 4096;
/**
 * Bytes buffered before a write to a regular file: each write(2) through the thread pool costs
 * a wake-up and a hand-back whatever its size.
 */
export const FILE_BUFFER_BYTES = 64 * 1024;
/**
 * Most bytes held for a destination that does not keep up (a stalled pipe reader); past it lines
 * are dropped rather than memory grown without bound.
 */
export const MAX_PENDING_BYTES = 16 * 1024 * 1024;
/** Longest a buffered line waits before it is written (someone may be tailing the log). */
export const FLUSH_DELAY_MS = 50;
const WARN = 40;

export type BufferedDestination = ReturnType<typeof pino.destination>;

type LineDestinationOptions = Omit<NonNullable<Parameters<typeof pino.destination>[0]> & object, 'sync' | 'contentMode'>;

/**
 * An asynchronous sonic-boom in buffer mode that still takes the strings pino writes. In its
 * string mode sonic-boom measures the byte length of its whole pending string on every write —
 * flattening it each time, up to maxWrite bytes copied per line, so a line cost more the more was
 * waiting (test/regression/log-destination-measures-each-line-once.test.ts) — and converts what
 * it writes to a Buffer twice. In buffer mode it keeps a running length; a string is encoded
 * once, on the way in. Used for the log (stdout) and the audit log file.
 */
export function lineDestination(opts: LineDestinationOptions): BufferedDestination {
  const dest = pino.destination({ ...opts, sync: false, contentMode: 'buffer' } as Parameters<typeof pino.destination>[0]);
  // (sonic-boom's types know only strings; in buffer mode its write takes Buffers)
  const writeBuffer = dest.write as unknown as (this: BufferedDestination, data: Buffer) => boolean;
  dest.write = function writeEncoded(this: BufferedDestination, data: string | Buffer): boolean {
    return writeBuffer.call(this, typeof data === 'string' ? Buffer.from(data) : data);
  };
  // sonic-boom 4.2 in buffer mode: destroyed while a write is in flight, it empties its queue but
  // not its pending count, and the write's completion then reads the empty queue and throws (an
  // uncaught TypeError). Nothing is pending once destroyed: say so.
  const destroy = dest.destroy;
  dest.destroy = function destroyPending(this: BufferedDestination & { _len: number }): void {
    this._len = 0;
    destroy.call(this);
  };
  return dest;
}

/**
 * stdout (or another fd) through sonic-boom with `minLength`, and sonic-boom's own periodic
 * flush (an unref'd interval), so a quiet proxy's lines still appear within FLUSH_DELAY_MS.
 * Lines dropped past `maxPendingBytes` (tests lower it) are counted, and once the destination
 * catches up a warning line says how many.
 */
export function bufferedDestination(fd: number, opts: { maxPendingBytes?: number } = {}): BufferedDestination {
  let regularFile = false;
  try {
    regularFile = fstatSync(fd).isFile();
  } catch {
    // not statable (closed, exotic): the pipe-safe size
  }
  // sonic-boom writes at most maxWrite bytes per call and wants minLength below it.
  const sizes = regularFile ? { minLength: FILE_BUFFER_BYTES, maxWrite: 4 * FILE_BUFFER_BYTES } : { minLength: BUFFER_BYTES };
  const maxLength = opts.maxPendingBytes ?? MAX_PENDING_BYTES;
  const dest = lineDestination({ dest: fd, ...sizes, maxLength, periodicFlush: FLUSH_DELAY_MS });
  let dropped = 0;
  dest.on('drop', () => {
    dropped++;
  });
  // 'drain': a write finished and what is pending fell under minLength — room again.
  dest.on('drain', () => {
    if (dropped === 0) return;
    const n = dropped;
    dropped = 0;
    dest.write(`{"level":${WARN},"time":${Date.now()},"pid":${process.pid},"droppedLines":${n},"msg":"the log destination did not keep up: ${n} lines were dropped"}\n`);
  });
  return dest;
}

/** Writers holding lines for their destination until the end of the turn (the request log). */
export const heldAtExit = new Set<{ handOver(): void }>();
// Registered when this module loads, before any destination made here registers pino's own exit
// flush (on-exit-leak-free, at the first pino.destination), so at exit held lines reach their
// destination first and its synchronous flush writes them.
process.on('exit', () => {
  for (const writer of heldAtExit) writer.handOver();
});

/** Where each logger made here writes, so the request log can share it (requestLogger). */
const destinations = new WeakMap<Logger, pino.DestinationStream>();

export function createLogger(opts: { level?: LogLevel; format?: LogFormat; destination?: pino.DestinationStream | number } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (opts.format === 'pretty') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: false, destination: 1 } } });
  }
  if (opts.destination !== undefined && typeof opts.destination !== 'number') {
    const logger = pino(options, opts.destination);
    destinations.set(logger, opts.destination);
    return logger;
  }
  const dest = bufferedDestination(opts.destination ?? 1);
  // Warnings and errors are rare and may be the last thing before trouble: no batching for them.
  options.hooks = {
    logMethod(args, method, level) {
      method.apply(this, args as Parameters<typeof method>);
      if (level >= WARN) dest.flush();
    },
  };
  const logger = pino(options, dest);
  destinations.set(logger, dest);
  return logger;
}

/**
 * The logger for the one-line-per-request log: the same destination, level and base fields as
 * `logger`, without its redaction (the request line's fields are fixed and never hold a secret,
 * and wildcard redaction paths made pino walk every line). A logger this module did not make
 * (pretty output, tests) is used as it is.
 */
export function requestLogger(logger: Logger): Logger {
  const destination = destinations.get(logger);
  if (destination === undefined) return logger;
  return pino({ level: logger.level, base: { pid: process.pid } }, destination);
}

/**
 * The buffered destination of a logger made here (undefined for others): audit events to stdout
 * share it, so an audit line and a log line never interleave.
 */
export function logDestination(logger: Logger): pino.DestinationStream | undefined {
  return destinations.get(logger);
}

/** A logger that writes nothing (tests, validate). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
