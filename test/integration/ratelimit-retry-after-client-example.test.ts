// docs/rate-limiting.md "MCP clients and the 429": the runnable example docs/examples/
// retry-after-client.mjs, run as a user would (node, the real SDK) against the proxy in front of
// the reference server, sees the 429 as the SDK surfaces it (StreamableHTTPError, code = HTTP
// status), reads Retry-After, waits and succeeds — with either --rate-limit-code.
// Also pins what the doc says about the SDK's error, so a new SDK version that changes it fails here.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { RateLimitCode } from '../../src/ratelimit/index.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { startEverything, type EverythingServer } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';

const EXAMPLE = fileURLToPath(new URL('../../docs/examples/retry-after-client.mjs', import.meta.url));

let redis: RedisHandle;
let upstream: EverythingServer;
t.before(async () => {
  redis = await startRedis();
  upstream = await startEverything('streamableHttp');
});
t.teardown(async () => {
  await upstream.close();
  await redis.stop();
});

/** Tool "echo": one token, refilled in 2 s, so a second call at once is told Retry-After: 2. */
async function proxy(t: Test, name: string, code: RateLimitCode | undefined): Promise<InProcessProxy> {
  const p = await startInProcess(
    httpConfig(upstream.port, {
      name,
      rate_limit_config: { tools: [{ name: 'echo', shared: { maxTokens: 1, refillPeriod: '2s' } }] },
      scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } },
    }),
    { rateLimitCode: code, rateLimitTimeoutMs: 2000 },
  );
  t.teardown(() => p.close(1000));
  return p;
}

function runExample(endpoint: string): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE, endpoint, 'echo', '{"message":"hi"}', '2'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`example did not finish\n${stdout}\n${stderr}`));
    }, 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - start });
    });
  });
}

for (const code of [-32029, 429] as const) {
  t.test(`docs example: waits Retry-After and succeeds (--rate-limit-code ${code})`, async (t) => {
    const p = await proxy(t, `example-${code === 429 ? 'http' : 'rfc'}`, code);
    const r = await runExample(p.endpoint);
    t.equal(r.code, 0, r.stderr);
    t.equal(
      r.stdout,
      ['call 1: ok', `call 2: rate limited (HTTP 429, JSON-RPC ${code}, scope tool:echo); retrying in 2 s`, 'call 2: ok', ''].join('\n'),
    );
    t.ok(r.ms >= 2000, `waited the Retry-After (${r.ms} ms in all)`);
  });
}

t.test('what docs/rate-limiting.md says about the SDK: StreamableHTTPError, code = HTTP status, body in the message', async (t) => {
  const p = await proxy(t, 'sdk-error-shape', undefined);
  const client = new Client({ name: 'doc-check', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(p.endpoint)));
  t.teardown(() => client.close());
  await client.callTool({ name: 'echo', arguments: { message: 'a' } });
  const err = await client.callTool({ name: 'echo', arguments: { message: 'b' } }).then(
    () => null,
    (e: unknown) => e,
  );
  t.ok(err instanceof StreamableHTTPError, 'a StreamableHTTPError, not an McpError');
  const e = err as StreamableHTTPError;
  t.equal(e.code, 429, 'code is the HTTP status');
  t.match(
    e.message,
    /^Streamable HTTP error: Error POSTing to endpoint: \{"jsonrpc":"2\.0","id":\d+,"error":\{"code":-32029,"message":"Rate limit exceeded","data":\{"retryAfterSeconds":2,"scope":"tool:echo"\}\}\}$/,
  );
});
