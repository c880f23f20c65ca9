// One pino logger for the process. Redaction paths are compiled once here, so no secret can reach
// a log line whichever module logs it (SPEC §8). The request log (requestLog.ts) shares the
// destination but not the redaction: its fields are fixed and never hold a secret.
//
// JSON lines to stdout are batched: one write per ~4 KiB instead of one per line (the request log
// line made one fs.write per request, the largest single cost in the profile). A batch waits at
// most FLUSH_DELAY_MS; warnings and errors are written at once; what is left is written at exit
// (pino flushes its destination on 'exit'/'beforeExit').

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

/** Bytes buffered before a write (a pipe writes up to 4 KiB atomically on Linux). */
export const BUFFER_BYTES = 4096;
/** Longest a buffered line waits before it is written (someone may be tailing the log). */
export const FLUSH_DELAY_MS = 50;
const WARN = 40;

export interface BufferedDestination extends pino.DestinationStream {
  flush(cb?: (err?: Error) => void): void;
  flushSync(): void;
}

/**
 * stdout (or another fd) through sonic-boom with `minLength`, plus a timer armed by the first
 * line of a batch, so a quiet proxy's lines still appear within FLUSH_DELAY_MS. The timer is
 * unref'd: it never keeps the process alive, and the exit flush covers what it would have done.
 */
export function bufferedDestination(fd: number): BufferedDestination {
  // `destroyed` is set by sonic-boom (after an EPIPE, or once closed) but missing from its types.
  const boom = pino.destination({ dest: fd, sync: false, minLength: BUFFER_BYTES }) as ReturnType<typeof pino.destination> & { readonly destroyed: boolean };
  let timer: NodeJS.Timeout | null = null;
  // sonic-boom's flush() does nothing while a write is in flight, and what was buffered behind
  // that write stays until the next line: so a timed flush is repeated once that write drains.
  let flushWanted = false;
  const onTimer = (): void => {
    timer = null;
    if (boom.destroyed) return;
    flushWanted = true;
    boom.flush();
  };
  boom.on('drain', () => {
    if (!flushWanted || boom.destroyed) return;
    flushWanted = false;
    boom.flush();
  });
  return {
    write(line: string): void {
      boom.write(line);
      if (timer === null) {
        timer = setTimeout(onTimer, FLUSH_DELAY_MS);
        timer.unref();
      }
    },
    flush(cb?: (err?: Error) => void): void {
      if (boom.destroyed) return cb?.();
      flushWanted = true;
      boom.flush(cb);
    },
    flushSync(): void {
      if (!boom.destroyed) boom.flushSync();
    },
  };
}

export function createLogger(opts: { level?: LogLevel; format?: LogFormat; destination?: pino.DestinationStream | number } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (opts.format === 'pretty') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: false, destination: 1 } } });
  }
  if (opts.destination !== undefined && typeof opts.destination !== 'number') return pino(options, opts.destination);
  const dest = bufferedDestination(opts.destination ?? 1);
  // Warnings and errors are rare and may be the last thing before trouble: no batching for them.
  options.hooks = {
    logMethod(args, method, level) {
      method.apply(this, args as Parameters<typeof method>);
      if (level >= WARN) dest.flush();
    },
  };
  return pino(options, dest);
}

/** A logger that writes nothing (tests, validate). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
