// SPEC §1 (run, shutdown, exit 3) with the stdio transport, through the real binary
// (bin/thv-proxy -> dist/, built by `npx tsc -p tsconfig.json` before the tests).
import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { runCli, spawnProxy, writeConfigFile } from '../helpers/proxy.js';
import { childPids, EVERYTHING_ENTRY, pidAlive, textOf, waitFor } from '../helpers/stdioHarness.js';

const config = {
  name: 'everything',
  transport: 'stdio' as const,
  command: process.execPath,
  cmd_args: [EVERYTHING_ENTRY, 'stdio'],
  port: 0,
};

t.test('§1 run with stdio: serves the child, and after SIGTERM no child process remains', async (t) => {
  const proxy = await spawnProxy(config, ['--store', 'memory']);
  t.teardown(() => proxy.stop('SIGKILL'));
  const [childPid] = await waitFor('the stdio child of thv-proxy', () => {
    const pids = childPids(proxy.child.pid!, EVERYTHING_ENTRY);
    return pids.length > 0 && pids;
  });
  t.ok(pidAlive(childPid!));

  const client = new Client({ name: 'cli-test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.endpoint)));
  t.equal(textOf(await client.callTool({ name: 'echo', arguments: { message: 'via cli' } })), 'Echo: via cli');
  await client.close();

  const code = await proxy.stop('SIGTERM');
  t.equal(code, 0, 'exit 0 after SIGTERM');
  t.notOk(pidAlive(childPid!), 'the stdio child is gone when thv-proxy has exited');
});

t.test('§1 run with stdio: a command that cannot start exits 3 with a plain message', async (t) => {
  const path = writeConfigFile({ ...config, command: '/nonexistent/mcp-server', cmd_args: [] });
  const r = await runCli(['run', '--config', path, '--store', 'memory']);
  t.equal(r.code, 3, r.stderr);
  t.match(r.stderr, /cannot start stdio server "\/nonexistent\/mcp-server": .*ENOENT/);
  t.notMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
});
