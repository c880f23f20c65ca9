// One pino logger for the process. Redaction paths are compiled once here, so no secret can reach
// a log line whichever module logs it (SPEC §8).

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

export function createLogger(opts: { level?: LogLevel; format?: LogFormat; destination?: pino.DestinationStream | number } = {}): Logger {
  const options: pino.LoggerOptions = {
    level: opts.level ?? 'info',
    base: { pid: process.pid },
    redact: { paths: REDACT, censor: '[redacted]' },
  };
  if (opts.format === 'pretty') {
    return pino({ ...options, transport: { target: 'pino-pretty', options: { colorize: false, destination: 1 } } });
  }
  return pino(options, opts.destination === undefined ? pino.destination({ dest: 1, sync: false }) : typeof opts.destination === 'number' ? pino.destination({ dest: opts.destination, sync: false }) : opts.destination);
}

/** A logger that writes nothing (tests, validate). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
