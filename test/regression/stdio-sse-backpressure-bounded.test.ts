// Regression (issue 17, defect 2): the stdio bridge ignored res.write()'s return value on its
// SSE streams, so a client that stopped reading its stream made the proxy buffer everything the
// child sent it — hundreds of MiB. Now a stream's buffered bytes are bounded
// (`--max-stream-buffer`, default 16 MiB): past the bound that stream is ended, with one warning
// naming the session and the byte count, and the proxy's memory stays flat.
import net from 'node:net';
import t from 'tap';
import { startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';

const MiB = 1024 * 1024;
const NOTE_BYTES = 64 * 1024;
const NOTES = 4096; // 256 MiB of notifications for the one stream
const BOUND = 1 * MiB;

// A minimal stdio MCP server: `tools/call` "flood" writes NOTES logging notifications (broadcast
// by the proxy to every session's stream), honouring its own stdout's backpressure, then answers.
const FLOOD_SERVER = `
const rl = require('node:readline').createInterface({ input: process.stdin });
const out = (m) => new Promise((r) => (process.stdout.write(JSON.stringify(m) + '\\n') ? r() : process.stdout.once('drain', r)));
rl.on('line', async (line) => {
  const m = JSON.parse(line);
  if (m.id === undefined) return;
  if (m.method === 'initialize') return out({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-06-18', capabilities: { logging: {} }, serverInfo: { name: 'flood', version: '1' } } });
  if (m.method === 'tools/call') {
    const pad = 'x'.repeat(${NOTE_BYTES});
    for (let i = 0; i < ${NOTES}; i++) await out({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: { i, pad } } });
    return out({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text', text: 'flooded' }] } });
  }
  out({ jsonrpc: '2.0', id: m.id, result: {} });
});
`;

/** A GET /mcp stream read only up to its response head, then never again (a stuck client). */
function stuckStream(baseUrl: string, sessionId: string): Promise<net.Socket> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(u.port), u.hostname, () => {
      socket.write(`GET /mcp HTTP/1.1\r\nHost: ${u.host}\r\nAccept: text/event-stream\r\nMcp-Session-Id: ${sessionId}\r\n\r\n`);
    });
    let head = '';
    const onData = (d: Buffer): void => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      socket.off('data', onData);
      socket.pause();
      if (!head.startsWith('HTTP/1.1 200')) reject(new Error(head));
      else resolve(socket);
    };
    socket.on('data', onData);
    socket.on('error', () => undefined);
  });
}

t.test('§14 stdio: a client that stops reading its SSE stream costs at most the stream buffer bound', async (t) => {
  const proxy = await startInProcess(
    { name: 'flood', transport: 'stdio', command: process.execPath, cmd_args: ['-e', FLOOD_SERVER], port: 0 },
    { store: 'memory', stdioMaxStreamBufferBytes: BOUND },
  );
  t.teardown(() => proxy.close(1_000));
  const init = await postJson(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'stuck', version: '1' } } }));
  const sid = init.headers['mcp-session-id'] as string;
  t.ok(sid, 'a session');
  const socket = await stuckStream(proxy.url, sid);
  t.teardown(() => socket.destroy());

  const rssBefore = process.memoryUsage().rss;
  const flood = await postJson(proxy.url, '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"flood","arguments":{}}}', { 'mcp-session-id': sid });
  // The child wrote all 256 MiB before it answered: whatever the proxy still holds is held now.
  const grownMiB = (process.memoryUsage().rss - rssBefore) / MiB;
  t.equal(flood.status, 200, 'the call that produced the flood is answered');
  t.comment(`RSS grew ${grownMiB.toFixed(1)} MiB while ${(NOTES * NOTE_BYTES) / MiB} MiB went to a stream nobody read (bound ${BOUND / MiB} MiB)`);
  t.ok(grownMiB < 96, `RSS growth stays far below the flood (grew ${grownMiB.toFixed(1)} MiB)`);

  const warnings = proxy.logs.filter((l) => typeof l.msg === 'string' && /not reading/.test(l.msg));
  t.equal(warnings.length, 1, 'one warning line');
  const w = warnings[0] ?? {};
  t.equal(w.level, 40, 'at warn');
  t.equal(w['session'], sid, 'naming the session');
  const buffered = Number(w['bufferedBytes']);
  t.comment(`the stream was ended with ${buffered} bytes buffered`);
  t.ok(buffered > 0 && buffered <= BOUND + NOTE_BYTES + 1024, `with the byte count, within the bound plus one event (${buffered})`);

  // The stream was ended: a reader that wakes up finds the connection closed.
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.resume();
  await closed;
  t.pass('the stuck stream was closed by the proxy');

  // The session itself still works.
  const ping = await postJson(proxy.url, '{"jsonrpc":"2.0","id":3,"method":"ping"}', { 'mcp-session-id': sid });
  t.equal(ping.status, 200);
});
