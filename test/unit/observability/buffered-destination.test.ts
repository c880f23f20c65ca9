// §8 logs are JSON lines on stdout, batched for cost (src/observability/logger.ts): a line must
// still appear promptly on a quiet proxy, a warning at once, and nothing may be lost at exit.

import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, readFileSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { BUFFER_BYTES, bufferedDestination, createLogger, FILE_BUFFER_BYTES, FLUSH_DELAY_MS, MAX_PENDING_BYTES } from '../../../src/observability/logger.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'thv-log-')), 'out.log');
}

async function waitForText(path: string, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const text = readFileSync(path, 'utf8');
    if (text !== '' || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 10));
  }
}

t.test('§8 a single buffered line is written within the flush delay', async (t) => {
  const path = tempFile();
  const dest = bufferedDestination(openSync(path, 'w'));
  dest.write('{"msg":"one"}\n');
  t.equal(readFileSync(path, 'utf8'), '', 'held back at first (batched)');
  t.equal(await waitForText(path, FLUSH_DELAY_MS + 5000), '{"msg":"one"}\n', 'then written without another line');
});

t.test('§8 warnings are written at once, info lines batch', async (t) => {
  const path = tempFile();
  const logger = createLogger({ level: 'info', destination: openSync(path, 'w') });
  logger.info('first');
  t.equal(readFileSync(path, 'utf8'), '', 'the info line alone is held back');
  logger.warn('careful');
  const text = await waitForText(path, 5000);
  t.match(text, /"msg":"first"[^\n]*\n[^\n]*"msg":"careful"/, 'the warning, and the info line before it, in order');
});

t.test('§8 buffered lines are not lost when the process exits', async (t) => {
  const script = `
    const { createLogger } = await import(${JSON.stringify(join(ROOT, 'dist/observability/logger.js'))});
    const logger = createLogger({ level: 'info' });
    for (let i = 0; i < 3; i++) logger.info({ i }, 'request');
    ${'process.exit(0)'};
  `;
  // Through dist/ (built by `npx tsc -p tsconfig.json`), as bin/thv-proxy runs it.
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.split('\n').filter((l) => l.includes('"msg":"request"')).length, 3, 'all three lines on stdout after process.exit');
});

t.test('§8 request lines held for the end of the turn are not lost when the process exits in that turn', async (t) => {
  const script = `
    const { createLogger } = await import(${JSON.stringify(join(ROOT, 'dist/observability/logger.js'))});
    const { RequestLog } = await import(${JSON.stringify(join(ROOT, 'dist/observability/requestLog.js'))});
    const log = new RequestLog(createLogger({ level: 'info' }));
    const ctx = { httpMethod: 'POST', url: '/mcp', clientIp: '127.0.0.1', startNs: process.hrtime.bigint(), principal: null, mcp: null, res: { statusCode: 200, writableFinished: true } };
    for (let i = 0; i < 3; i++) log.write(ctx);
    ${'process.exit(0)'};
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.split('\n').filter((l) => l.includes('"msg":"request"')).length, 3, 'all three request lines on stdout after process.exit');
});

/** A FIFO opened read-write and non-blocking: writable, and nobody reads it (until a test does). */
function unreadFifo(): { fd: number; path: string } {
  const path = join(mkdtempSync(join(tmpdir(), 'thv-log-')), 'fifo');
  execFileSync('mkfifo', [path]);
  return { fd: openSync(path, constants.O_RDWR | constants.O_NONBLOCK), path };
}

function unreadPipe(): number {
  return unreadFifo().fd;
}

t.test('§8 batches are sized for the destination: 64 KiB to a file, 4 KiB to a pipe', async (t) => {
  const fileFd = openSync(tempFile(), 'w');
  const pipeFd = unreadPipe();
  const toFile = bufferedDestination(fileFd) as unknown as { minLength: number; maxLength: number; destroy(): void };
  const toPipe = bufferedDestination(pipeFd) as unknown as { minLength: number; maxLength: number; destroy(): void };
  // destroy() closes the file descriptors too
  t.teardown(() => {
    toFile.destroy();
    toPipe.destroy();
  });
  t.equal(toFile.minLength, FILE_BUFFER_BYTES, 'a regular file gets 64 KiB writes');
  t.equal(toPipe.minLength, BUFFER_BYTES, 'a pipe gets a write once 4 KiB wait (a reader sees lines soon)');
  t.equal(toFile.maxLength, MAX_PENDING_BYTES);
  t.equal(toPipe.maxLength, MAX_PENDING_BYTES);
});

t.test('§8 a destination that stops reading holds at most 16 MiB; later lines are dropped', async (t) => {
  const fd = unreadPipe();
  const dest = bufferedDestination(fd) as unknown as { write(s: string): boolean; on(e: string, f: () => void): void; destroy(): void; _len: number };
  let dropped = 0;
  dest.on('drop', () => dropped++);
  dest.on('error', () => undefined);
  t.teardown(() => dest.destroy());
  const line = `${JSON.stringify({ level: 30, msg: 'request', pad: 'x'.repeat(1000) })}\n`;
  const lines = Math.ceil((MAX_PENDING_BYTES + 2 * 1024 * 1024) / line.length);
  let peak = 0;
  for (let i = 0; i < lines; i++) {
    dest.write(line);
    if (i % 64 === 0) await new Promise((r) => setImmediate(r));
    peak = Math.max(peak, dest._len);
  }
  t.ok(peak <= MAX_PENDING_BYTES, `pending bytes stayed within the bound (peak ${peak})`);
  t.ok(dropped > 0, `lines past the bound were dropped (${dropped})`);
});

t.test('§8 once a stalled destination catches up, a warning line counts the lines dropped', async (t) => {
  const { fd, path } = unreadFifo();
  const dest = bufferedDestination(fd, { maxPendingBytes: 256 * 1024 }) as unknown as { write(s: string): boolean; on(e: string, f: () => void): void; destroy(): void };
  let dropped = 0;
  dest.on('drop', () => dropped++);
  dest.on('error', () => undefined);
  t.teardown(() => dest.destroy());
  const line = `${JSON.stringify({ level: 30, msg: 'request', pad: 'x'.repeat(1000) })}\n`;
  for (let i = 0; i < 600; i++) dest.write(line); // ~600 KB: the pipe's 64 KiB, 256 KiB held, the rest dropped
  t.ok(dropped > 0, `lines were dropped (${dropped})`);
  // Now someone reads: everything held comes through, then the warning.
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  t.teardown(() => closeSync(reader));
  const buf = Buffer.alloc(64 * 1024);
  let text = '';
  const deadline = Date.now() + 20_000;
  while (!text.includes('lines were dropped') && Date.now() < deadline) {
    try {
      const n = readSync(reader, buf, 0, buf.length, null);
      text += buf.toString('utf8', 0, n);
    } catch {
      await new Promise((r) => setTimeout(r, 20)); // EAGAIN: nothing to read yet
    }
  }
  const warning = text.split('\n').find((l) => l.includes('lines were dropped'));
  t.ok(warning, 'a warning line follows once the destination keeps up');
  const parsed = JSON.parse(warning ?? '{}') as { level?: number; droppedLines?: number };
  t.equal(parsed.level, 40, 'at warn');
  t.equal(parsed.droppedLines, dropped, 'with the number of lines dropped');
});

t.test('§8 a destination destroyed with a write in flight ends quietly (sonic-boom buffer mode threw from the write completion)', async (t) => {
  const { fd } = unreadFifo();
  const dest = bufferedDestination(fd) as unknown as { write(s: string): boolean; on(e: string, f: (err?: Error) => void): void; destroy(): void; _writing: boolean };
  dest.on('error', () => undefined); // the closed descriptor's EBADF on a retried write
  const line = `${JSON.stringify({ level: 30, msg: 'request', pad: 'x'.repeat(1000) })}\n`;
  for (let i = 0; i < 200; i++) dest.write(line); // ~200 KB: more than the pipe holds
  await new Promise((r) => setImmediate(r));
  t.ok(dest._writing, 'a write is in flight');
  const uncaught: Error[] = [];
  const onUncaught = (err: Error): void => {
    uncaught.push(err);
  };
  process.on('uncaughtException', onUncaught);
  t.teardown(() => process.off('uncaughtException', onUncaught));
  dest.destroy();
  await new Promise((r) => setTimeout(r, 300)); // past sonic-boom's EAGAIN retry delay (100 ms)
  t.same(uncaught.map((e) => e.message), [], 'nothing thrown after destroy');
});
