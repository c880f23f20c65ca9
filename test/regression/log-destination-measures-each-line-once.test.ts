// Regression: the log destination re-measured everything pending on every line it was given.
// sonic-boom's string mode computes Buffer.byteLength of its whole pending string on each write
// (flattening it: a fresh copy of up to maxWrite bytes per line), so the cost of a line grew with
// what was waiting to be written — quadratic under load, ~5 % of the proxy's CPU per request in
// the bench (docs/performance.md, fourth session). Each line must be measured once.
//
// Deterministic: a FIFO nobody reads keeps lines pending, and Buffer.byteLength is counted.

import { execFileSync } from 'node:child_process';
import { constants, mkdtempSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { bufferedDestination } from '../../src/observability/logger.js';

t.test('each line given to the log destination is measured once, however much is pending', async (t) => {
  const path = join(mkdtempSync(join(tmpdir(), 'thv-log-')), 'fifo');
  execFileSync('mkfifo', [path]);
  const fd = openSync(path, constants.O_RDWR | constants.O_NONBLOCK);
  const dest = bufferedDestination(fd) as unknown as { write(s: string): boolean; on(e: string, f: () => void): void; destroy(): void; _len: number };
  dest.on('error', () => undefined);
  t.teardown(() => dest.destroy());

  const line = `${JSON.stringify({ level: 30, time: 1, pid: 1, method: 'POST', path: '/mcp', status: 200, msg: 'request' })}\n`;
  // Fill the pipe (64 KiB) so that what follows stays pending.
  for (let i = 0; i < 2000; i++) dest.write(line);
  await new Promise((r) => setImmediate(r));

  const byteLength = Buffer.byteLength;
  let measured = 0;
  Buffer.byteLength = ((value: string | NodeJS.ArrayBufferView | ArrayBuffer, encoding?: BufferEncoding) => {
    if (typeof value === 'string') measured += value.length;
    return byteLength(value, encoding);
  }) as typeof Buffer.byteLength;
  const lines = 2000;
  try {
    for (let i = 0; i < lines; i++) dest.write(line);
  } finally {
    Buffer.byteLength = byteLength;
  }
  t.ok(dest._len > 64 * 1024, `lines were pending while written (${dest._len} bytes)`);
  const given = lines * line.length;
  t.ok(measured <= 2 * given, `characters measured: ${measured} for ${given} given (${(measured / given).toFixed(1)}x; at most 2x)`);
});
