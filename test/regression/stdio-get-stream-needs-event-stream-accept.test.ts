// Regression (audit, fifth session): in stdio mode the bridge is the MCP server, and it opened the
// session's standalone SSE stream for a GET whose Accept did not list text/event-stream — a
// stream the client did not ask for and may not read, holding a socket. MCP's streamable HTTP
// transport has the client list text/event-stream on that GET; the reference SDK's server
// answers 406 otherwise. Now so does the bridge (a JSON-RPC error, SPEC §7), and a GET that
// does accept the stream still opens it.
import http from 'node:http';
import t from 'tap';
import { startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { EVERYTHING_ENTRY } from '../helpers/stdioHarness.js';

const INIT = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** GET /mcp with these headers: the status and content type of the answer's head (the body may never end). */
function get(url: string, headers: Record<string, string>): Promise<{ status: number; type: string; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: '/mcp', method: 'GET', headers, agent: false }, (res) => {
      const type = String(res.headers['content-type'] ?? '');
      if (type.startsWith('text/event-stream')) {
        req.destroy();
        resolve({ status: res.statusCode!, type, body: '' });
        return;
      }
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, type, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

t.test('§6/§7 stdio: GET without text/event-stream in Accept is 406, with it the stream opens', async (t) => {
  const proxy = await startInProcess(
    { name: 'everything', transport: 'stdio', command: process.execPath, cmd_args: [EVERYTHING_ENTRY, 'stdio'], proxy_mode: 'streamable-http', port: 0 },
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(1_000));
  const init = await postJson(proxy.url, INIT);
  const sid = init.headers['mcp-session-id'] as string;
  t.ok(sid, 'a session');
  for (const accept of [undefined, 'application/json', 'application/*, text/html']) {
    const res = await get(proxy.url, { 'mcp-session-id': sid, ...(accept === undefined ? {} : { accept }) });
    t.equal(res.status, 406, `Accept ${accept ?? '(none)'}`);
    t.match(res.type, /^application\/json/);
    t.same(JSON.parse(res.body), { jsonrpc: '2.0', error: { code: -32600, message: 'Not Acceptable: the client must accept text/event-stream' } });
  }
  for (const accept of ['text/event-stream', 'application/json, text/event-stream', '*/*']) {
    const ok = await get(proxy.url, { 'mcp-session-id': sid, accept });
    t.equal(ok.status, 200, `Accept ${accept}`);
    t.match(ok.type, /^text\/event-stream/);
  }
});
