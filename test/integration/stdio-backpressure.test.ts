// SPEC §6 (stdio): writes to the child's stdin respect backpressure — a child that does not read
// for a while loses nothing, and every line arrives whole and in order.
import t from 'tap';
import { StdioChild } from '../../src/stdio/childProcess.js';
import { silentLogger } from '../../src/observability/logger.js';

// Sleeps 1 s (the pipe fills up), then echoes stdin to stdout.
const ECHO_LATER = 'setTimeout(() => process.stdin.pipe(process.stdout), 1000)';

t.test('§6 stdio backpressure: 8 MiB written to a child that is not reading yet arrive whole, in order', async (t) => {
  const lines: string[] = [];
  const child = new StdioChild(
    { command: process.execPath, args: ['-e', ECHO_LATER], env: { PATH: process.env.PATH ?? '' }, serverName: 'echo' },
    { onLine: (l) => lines.push(l), onExit: () => undefined },
    silentLogger(),
  );
  t.teardown(() => child.stop(1_000));
  const count = 2_000;
  const pad = 'p'.repeat(4096);
  for (let i = 0; i < count; i++) child.write(`{"jsonrpc":"2.0","method":"n","params":{"i":${i},"pad":"${pad}"}}`);
  const deadline = Date.now() + 30_000;
  while (lines.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  t.equal(lines.length, count, 'every line came back');
  t.ok(lines.every((l, i) => (JSON.parse(l) as { params: { i: number } }).params.i === i), 'in order, none torn');
  await child.stop(1_000);
  t.ok(child.exited, 'stop() resolves once the child is gone');
});
