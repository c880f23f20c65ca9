// MCP-like upstream. POST: copied from ../shared/bench-anchors/upstream.mjs (answers every
// JSON-RPC POST with a small tools/call result). Added for the streams mode: a GET asking for
// text/event-stream gets a standalone SSE stream that stays open (one event at once, then a
// comment every 30 s) until the client goes away — like an MCP server's GET stream.
import http from 'node:http';
const port = Number(process.env.PORT);
const open = new Set();
setInterval(() => { for (const res of open) res.write(': keep-alive\n\n'); }, 30_000).unref();
http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write('event: ready\ndata: {}\n\n');
    open.add(res);
    res.on('close', () => open.delete(res));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let id = null;
    try { id = JSON.parse(Buffer.concat(chunks)).id ?? null; } catch {}
    const body = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1');
