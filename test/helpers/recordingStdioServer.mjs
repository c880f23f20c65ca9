// A minimal MCP server on stdio that appends every line it receives to the file named by
// RECORD_FILE, so a test can check exactly what reached the child (and what did not).
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.env.RECORD_FILE;
const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  if (file) appendFileSync(file, `${line}\n`);
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  if (msg.id === undefined || msg.method === undefined) return;
  let result = {};
  if (msg.method === 'initialize') {
    result = { protocolVersion: msg.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'recording', version: '1.0.0' } };
  } else if (msg.method === 'tools/list') {
    result = { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] };
  } else if (msg.method === 'tools/call') {
    result = { content: [{ type: 'text', text: 'ok' }] };
  }
  process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: msg.id, result })}\n`);
});
