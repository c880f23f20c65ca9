// A fast validating webhook (SPEC §5): allows every request, echoing the payload's uid.
import http from 'node:http';
const port = Number(process.env.PORT);
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let uid = '';
    try { uid = JSON.parse(Buffer.concat(chunks)).uid ?? ''; } catch {}
    const body = JSON.stringify({ version: 'v0.1.0', uid, allowed: true });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}).listen(port, '127.0.0.1');
