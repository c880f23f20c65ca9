#!/usr/bin/env node
// An MCP client that honours thv-proxy's rate limit: it calls a tool through the proxy and, when
// the proxy answers 429, waits the Retry-After seconds and tries again.
//
//   npm install @modelcontextprotocol/sdk
//   node retry-after-client.mjs http://127.0.0.1:8080/mcp echo '{"message":"hi"}' [calls]
//
// What the TypeScript SDK (1.x) does with a 429: StreamableHTTPClientTransport never parses the
// JSON-RPC error in the body. client.callTool() rejects with a StreamableHTTPError whose `code`
// is the HTTP status (429, whatever --rate-limit-code says) and whose message embeds the body:
//   Streamable HTTP error: Error POSTing to endpoint: {"jsonrpc":"2.0","id":3,"error":{"code":-32029,...}}
// The error carries no headers, so this client reads Retry-After in the fetch it gives the transport.

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [endpoint, tool, args = '{}', calls = '3'] = process.argv.slice(2);
if (!endpoint || !tool) {
  console.error('usage: retry-after-client.mjs <endpoint> <tool> [json-arguments] [calls]');
  process.exit(2);
}
const MAX_RETRIES = 3;

// Retry-After of the latest 429 this transport received. Calls here are sequential; with
// concurrent calls, read the same number from the body instead (error.data.retryAfterSeconds).
let retryAfter;
async function fetchNotingRetryAfter(url, init) {
  const response = await fetch(url, init);
  if (response.status === 429) retryAfter = Number(response.headers.get('retry-after'));
  return response;
}

/** The JSON-RPC error the proxy sent, out of the SDK error's message (undefined if none). */
function jsonRpcError(err) {
  const start = err.message.indexOf('{');
  try {
    return start < 0 ? undefined : JSON.parse(err.message.slice(start)).error;
  } catch {
    return undefined;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const client = new Client({ name: 'retry-after-example', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { fetch: fetchNotingRetryAfter }));
try {
  for (let i = 1; i <= Number(calls); i++) {
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await client.callTool({ name: tool, arguments: JSON.parse(args) });
        console.log(`call ${i}: ok${result.isError ? ' (the tool reported an error)' : ''}`);
        break;
      } catch (err) {
        // err.code is the HTTP status here, not the JSON-RPC code (-32029 or 429).
        if (!(err instanceof StreamableHTTPError) || err.code !== 429 || attempt === MAX_RETRIES) throw err;
        const rpc = jsonRpcError(err);
        const seconds = retryAfter ?? rpc?.data?.retryAfterSeconds ?? 1;
        console.log(`call ${i}: rate limited (HTTP 429, JSON-RPC ${rpc?.code}, scope ${rpc?.data?.scope}); retrying in ${seconds} s`);
        await sleep(seconds * 1000);
      }
    }
  }
} finally {
  await client.close();
}
