// SPEC §6 (stdio) and §1 (run, shutdown, exit 3): a child that dies is restarted and the
// sessions keep working; requests in flight get 502; a command that cannot start is a startup
// failure; shutdown leaves no child behind.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ThvError, EXIT } from '../../src/errors.js';
import { startProxy } from '../../src/server/start.js';
import { silentLogger } from '../../src/observability/logger.js';
import { connectClient, everythingPids, pidAlive, startStdioProxy, stdioConfig, textOf, waitFor } from '../helpers/stdioHarness.js';

/** Bytes a process has read so far, from any file or pipe (Linux /proc/<pid>/io `rchar`). */
function bytesRead(pid: number): number {
  return Number(/^rchar: (\d+)$/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]);
}

t.test('§6 stdio: killing the child yields 502 for the call in flight, then the server works again', async (t) => {
  const proxy = await startStdioProxy(t);
  const a = await connectClient(t, proxy, 'client-a');
  const b = await connectClient(t, proxy, 'client-b');
  const [pid] = everythingPids();
  t.ok(pid, 'the child runs');

  const readBefore = bytesRead(pid!);
  const inFlight = a.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 30, steps: 1 } }).then(
    () => undefined,
    (err: unknown) => err,
  );
  // Kill only once the call reached the child: an idle child reads nothing, so its first read
  // since the call is the request (a fixed pause could be too short on a loaded machine).
  await waitFor('the call to reach the child', () => bytesRead(pid!) > readBefore, 10_000);
  process.kill(pid!, 'SIGKILL');
  const err = await inFlight;
  t.type(err, StreamableHTTPError, 'the in-flight call failed at the HTTP level');
  t.equal((err as StreamableHTTPError).code, 502, 'with status 502');
  t.match((err as Error).message, /Upstream MCP server unreachable/);

  const newPid = await waitFor('a restarted child', () => everythingPids().find((p) => p !== pid));
  t.not(newPid, pid, 'a new child was started');
  t.notOk(pidAlive(pid!), 'the old child is gone');

  // Both existing sessions keep working: the child was re-initialized from the cached initialize.
  const ra = await a.callTool({ name: 'echo', arguments: { message: 'again' } });
  t.equal(textOf(ra), 'Echo: again');
  const rb = await b.callTool({ name: 'echo', arguments: { message: 'still here' } });
  t.equal(textOf(rb), 'Echo: still here');
  const sampled = await a.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'p', maxTokens: 5 } });
  t.match(textOf(sampled), /sampled by client-a/, 'capabilities of the replayed initialize still hold');
});

t.test('§6 stdio: /ready pings the child: 200 while it answers, 503 while it hangs', async (t) => {
  // SIGSTOP: the child lives but cannot answer (a hung server), so the ping times out.
  const proxy = await startStdioProxy(t);
  const ready = async () => {
    const res = await fetch(new URL('/ready', proxy.url));
    return { status: res.status, body: (await res.json()) as { failed?: { upstream?: string } } };
  };
  t.equal((await ready()).status, 200, 'ready before any client initialized the child');
  const [pid] = everythingPids();
  process.kill(pid!, 'SIGSTOP');
  t.teardown(() => {
    if (pidAlive(pid!)) process.kill(pid!, 'SIGKILL');
  });
  const stopped = await ready();
  t.equal(stopped.status, 503, 'a child that does not answer is not ready');
  t.match(stopped.body.failed?.upstream, /ping/);
  process.kill(pid!, 'SIGCONT');
  t.equal((await ready()).status, 200, 'ready again once it answers');
});

t.test('§6 stdio: requests sent while the child is re-initialized wait for it', async (t) => {
  const proxy = await startStdioProxy(t);
  const a = await connectClient(t, proxy, 'client-a');
  const [pid] = everythingPids();
  process.kill(pid!, 'SIGKILL');
  // Once the new child exists the proxy has seen the exit (a request sent before that was in
  // flight to the dead child and rightly gets 502); it is now replaying initialize, and this
  // request is held until that is done.
  await waitFor('the new child', () => everythingPids().find((p) => p !== pid), 20_000);
  const r = await a.callTool({ name: 'echo', arguments: { message: 'queued' } });
  t.equal(textOf(r), 'Echo: queued');
});

t.test('§1 stdio: closing the proxy stops the child; no process remains', async (t) => {
  const proxy = await startProxy(await stdioConfig(), { logger: silentLogger() });
  const client = await connectClient(t, proxy, 'client-a');
  await client.callTool({ name: 'echo', arguments: { message: 'x' } });
  const pids = everythingPids();
  t.equal(pids.length, 1);
  await proxy.close(1_000);
  t.notOk(pidAlive(pids[0]!), 'the child is gone once close() resolves');
  t.same(everythingPids(), [], 'no child of ours remains');
});

t.test('§1 stdio: a command that cannot start fails startup with exit code 3', async (t) => {
  const missing = await startProxy(await stdioConfig({ command: '/nonexistent/mcp-server', args: [] }), { logger: silentLogger() }).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.type(missing, ThvError);
  t.equal((missing as ThvError).exitCode, EXIT.DEPENDENCY_FAILED);
  t.equal((missing as ThvError).code, 'THV_ERR_UPSTREAM_START');
  t.match((missing as Error).message, /^cannot start stdio server "\/nonexistent\/mcp-server": .*ENOENT/);

  const exits = await startProxy(await stdioConfig({ args: ['-e', 'console.error("boom: missing API key"); process.exit(2)'] }), { logger: silentLogger() }).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.type(exits, ThvError);
  t.equal((exits as ThvError).exitCode, EXIT.DEPENDENCY_FAILED);
  t.match((exits as Error).message, /exited with code 2 \(stderr: boom: missing API key\)/, 'the cause names the exit and the last stderr line');
});
