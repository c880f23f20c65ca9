// Regression (SPEC §14: every per-client resource has a bound): a stdio child that stops reading
// its stdin made the proxy queue every client request for it without limit — an audit pushed the
// proxy from 96 MB to 1.2 GB with two batches of 40 requests of 6 MiB, and nothing was logged.
// Now the traffic waiting for the child is bounded (64 MiB by default); past it requests and
// notifications are refused with 503 (JSON-RPC -32603) and nothing more is queued, with one
// warning, until the child catches up.
import t from 'tap';
import { Writable } from 'node:stream';
import pino from 'pino';
import { Supervisor } from '../../src/stdio/supervisor.js';
import { Bridge } from '../../src/stdio/bridge.js';
import type { Reply } from '../../src/stdio/calls.js';
import type { McpMessage } from '../../src/mcp/types.js';

const BOUND = 1024 * 1024;
const noReply: Reply = { related: () => false, respond: () => undefined, fail: () => undefined, abandon: () => undefined, bind: () => undefined };

t.test('§14 stdio: a child that does not read its stdin gets at most the bound queued; then 503', async (t) => {
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l && JSON.parse(l).level === 40) warnings.push(JSON.parse(l).msg as string);
      cb();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  // A child that never reads stdin (and answers nothing): the pipe fills, then the queue.
  const supervisor = new Supervisor({ command: process.execPath, args: ['-e', 'setInterval(() => {}, 1000)'], env: { ...process.env } as Record<string, string>, serverName: 's' }, logger, {
    maxPendingInput: BOUND,
    stopGraceMs: 500,
  });
  const bridge = new Bridge(supervisor, logger);
  await supervisor.start({ onLine: bridge.onLine, onExit: bridge.onExit, prepare: async () => undefined });
  t.teardown(() => supervisor.stop());
  const session = bridge.sessions.open('streamable-http');

  const args = JSON.stringify({ blob: 'x'.repeat(200 * 1024) });
  const call = (id: number) => {
    const body = Buffer.from(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo","arguments":${args}}}`);
    const msg: McpMessage = { kind: 'request', method: 'tools/call', id, params: { name: 'echo' }, resourceId: 'echo', arguments: undefined, meta: undefined };
    return bridge.request(session, msg, body, noReply);
  };
  let accepted = 0;
  let refused = call(1);
  while (refused === undefined && accepted < 1000) {
    accepted++;
    refused = call(accepted + 1);
  }
  t.equal(refused?.kind, 'STDIO_INPUT_FULL', `refused after ${accepted} requests of 200 KiB`);
  t.equal(refused?.status, 503);
  t.equal(refused?.code, -32603);
  t.ok(accepted * 200 * 1024 <= BOUND + 512 * 1024, `what was taken stays within the bound plus one pipe and one request (${accepted} accepted)`);
  t.equal(call(5000)?.kind, 'STDIO_INPUT_FULL', 'and the next one too: nothing more is queued');
  const notification: McpMessage = { kind: 'notification', method: 'notifications/progress', id: undefined, params: {}, resourceId: undefined, arguments: undefined, meta: undefined };
  t.equal(bridge.notification(session, notification, Buffer.from('{"jsonrpc":"2.0","method":"notifications/progress","params":{}}'))?.kind, 'STDIO_INPUT_FULL', 'notifications are refused too');
  t.strictSame(warnings, ['stdio server is not reading its input: requests are refused (503) until it catches up'], 'one warning, not one per request');
});
