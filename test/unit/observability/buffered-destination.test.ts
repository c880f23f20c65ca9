// §8 logs are JSON lines on stdout, batched for cost (src/observability/logger.ts): a line must
// still appear promptly on a quiet proxy, a warning at once, and nothing may be lost at exit.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { bufferedDestination, createLogger, FLUSH_DELAY_MS } from '../../../src/observability/logger.js';

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
