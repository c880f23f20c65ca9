// Regression (issue 17, defect 7): the "stdio server started" log line carried the key `pid`
// twice — pino's base `pid` (the proxy) and the child's — so the child's replaced the proxy's in
// the JSON and a reader could not tell which process a line came from. The child's pid is
// `childPid`; `pid` stays the proxy's own.
import t from 'tap';
import { startInProcess } from '../helpers/proxy.js';
import { everythingPids, EVERYTHING_ENTRY } from '../helpers/stdioHarness.js';

t.test('§8 stdio: "stdio server started" names the proxy as pid and the child as childPid', async (t) => {
  const proxy = await startInProcess(
    { name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], port: 0 },
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(1_000));
  const started = proxy.logs.filter((l) => l.msg === 'stdio server started');
  t.equal(started.length, 1, 'one line per child start');
  const line = started[0]!;
  t.equal(line['pid'], process.pid, 'pid is the proxy process');
  t.same(everythingPids(), [line['childPid']], 'childPid is the stdio child');
  t.not(line['childPid'], process.pid);
});
