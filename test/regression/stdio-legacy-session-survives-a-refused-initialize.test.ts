// Regression (found while fixing the stdio answer timeout): in legacy SSE mode a session is its
// GET /sse stream, and its client knows the session's endpoint from the stream's first event.
// When the child refused the first `initialize`, the bridge removed the session anyway (as it
// must for a streamable-HTTP session, whose client never received an id): the stream stayed
// open, and every later POST to the endpoint it announced got 404 — the client could neither
// retry the initialize nor do anything else without reconnecting. Now the refusal reaches the
// stream and the session stays, so the client's next initialize goes to the child again.
import http from 'node:http';
import t from 'tap';
import { startScriptedStdio } from '../helpers/scriptedStdio.js';
import { send, waitFor } from '../helpers/http.js';

/** Refuses the first initialize, answers every later one. */
const CHILD = `
const { appendFileSync } = require('node:fs');
const rl = require('node:readline').createInterface({ input: process.stdin });
let refused = false;
rl.on('line', (line) => {
  appendFileSync(process.env.RECORD_FILE, line + '\\n');
  const msg = JSON.parse(line);
  if (msg.id === undefined || msg.method === undefined) return;
  if (msg.method === 'initialize' && !refused) {
    refused = true;
    return process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, error: { code: -32602, message: 'not yet' } }) + '\\n');
  }
  const result = msg.method === 'initialize' ? { protocolVersion: '2024-11-05', capabilities: {}, serverInfo: { name: 'picky', version: '1' } } : {};
  process.stdout.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\\n');
});
`;

const initialize = (id: number) =>
  `{"jsonrpc":"2.0","id":${id},"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"legacy","version":"1"}}}`;

t.test('§6 stdio sse: a refused first initialize leaves the session open; the next one succeeds', async (t) => {
  const { proxy } = await startScriptedStdio(t, CHILD, { proxy_mode: 'sse' });
  const u = new URL(proxy.url);
  const events: string[] = [];
  const stream = http.get({ host: u.hostname, port: u.port, path: '/sse', headers: { accept: 'text/event-stream' }, agent: false }, (res) => {
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) !== -1) {
        events.push(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    });
  });
  t.teardown(() => stream.destroy());
  const find = (needle: string): string | undefined => events.find((e) => e.includes(needle));
  await waitFor(() => find('event: endpoint') !== undefined, 5_000, 'the endpoint event');
  const endpoint = find('event: endpoint')!.split('\ndata: ')[1]!.trim();
  const post = (body: string) => send(proxy.url, { path: endpoint, headers: { 'content-type': 'application/json' }, body });

  t.equal((await post(initialize(1))).status, 202, 'the first initialize is accepted for the stream');
  await waitFor(() => find('"id":1') !== undefined, 5_000, 'the refusal on the stream');
  t.match(find('"id":1'), /"error":\{"code":-32602,"message":"not yet"\}/, "the child's refusal reaches the stream");

  const again = await post(initialize(2));
  t.equal(again.status, 202, `the session still exists (${again.status} ${again.body})`);
  await waitFor(() => find('"id":2') !== undefined, 5_000, 'the second answer on the stream');
  t.match(find('"id":2'), /"result":\{"protocolVersion":"2024-11-05"/, 'the second initialize succeeds');
});
