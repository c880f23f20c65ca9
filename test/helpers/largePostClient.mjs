// A separate process that POSTs `total` bytes with node's http client, writing as fast as the
// socket takes them, and prints one JSON line: {status, body} or {error}. A separate process,
// because a client sharing the proxy's event loop reads the 413 before the reset can arrive.
// Usage: node largePostClient.mjs <baseUrl> <totalBytes> <declare: 1|0>
import http from 'node:http';

const [, , url, total, declare] = process.argv;
const u = new URL(url);
const headers = { 'content-type': 'application/json' };
if (declare === '1') headers['content-length'] = total;
/** The answer as far as it arrived: once its head is here, the client has read the 413. */
let status;
let body = '';
const req = http.request({ host: u.hostname, port: u.port, method: 'POST', path: '/mcp', headers, agent: false }, (res) => {
  status = res.statusCode;
  res.on('data', (c) => (body += c));
  res.on('end', () => {
    console.log(JSON.stringify({ status, body }));
    process.exit(0);
  });
});
req.on('error', (err) => {
  // The proxy ends its lingering close after a bounded amount; a client still writing then gets
  // EPIPE. What counts is whether the answer reached it first.
  console.log(JSON.stringify(status === undefined ? { error: err.code ?? err.message } : { status, body, after: err.code ?? err.message }));
  process.exit(0);
});
const chunk = Buffer.alloc(64 * 1024, 0x20);
let sent = 0;
const pump = () => {
  while (sent < Number(total)) {
    sent += chunk.length;
    if (!req.write(chunk)) return void req.once('drain', pump);
  }
  req.end();
};
pump();
