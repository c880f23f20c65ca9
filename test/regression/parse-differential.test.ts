// Regression (issue 17, defects 1 and 9): no tools/call may reach an MCP server unjudged. The
// proxy judged bodies as UTF-8 but forwarded the client's Content-Type charset, so upstreams that
// honour it (the SDK's legacy SSE transport, express.json()/body-parser) decoded
// {"method":"tools+AC8-call"} sent as charset=utf-7 as tools/call — executed, never charged, never
// shown to the webhook as a tools/call.
//
// A differential test: three real SDK server stacks (differentialStacks.ts), each behind its own
// proxy with a Redis token bucket on tools/call (large: nothing is refused, charges are counted
// from the bucket's tokens) and an https validating webhook that allows everything and records
// what it judged. Every corpus entry (differentialCorpus.ts) is sent raw through the proxy, one
// at a time; after each the test waits until the server answered every request it accepted, and
// then compares: tools/calls the server executed <= tools/calls charged, <= tools/calls the
// webhook saw, and each executed call is the call the webhook judged (same name and arguments).

import t, { type Test } from 'tap';
import { Redis } from 'ioredis';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LATEST_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';
import type { RunConfigFile } from '../../src/config/types.js';
import { testCerts } from '../helpers/certs.js';
import { CORPUS, exchange, requestBytes, type Target } from '../helpers/differentialCorpus.js';
import { STACKS, type ServerView, type Stack } from '../helpers/differentialStacks.js';
import { waitFor } from '../helpers/http.js';
import { startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { startWebhookServer, type WebhookServer } from '../helpers/webhookServer.js';

/** Bucket size: never empty in this test. Refill ~3e-6 tokens/s: a charge is a drop of exactly 1. */
const MAX_TOKENS = 1_000_000;
const REFILL = '100000h';

let redis: RedisHandle;
let webhook: WebhookServer;
let buckets: Redis;
t.before(async () => {
  redis = await startRedis();
  webhook = await startWebhookServer({ tls: 'ca', behaviour: 'allow' });
  buckets = new Redis(redis.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 1 });
  await buckets.connect();
});
t.teardown(async () => {
  buckets?.disconnect();
  await webhook?.close();
  await redis?.stop();
});

function proxyConfig(stack: Stack, name: string): RunConfigFile {
  return {
    name,
    transport: stack.transport,
    target_host: '127.0.0.1',
    target_port: stack.port,
    host: '127.0.0.1',
    port: 0,
    rate_limit_config: { shared: { maxTokens: MAX_TOKENS, refillPeriod: REFILL } },
    scaling_config: { session_redis: { address: `127.0.0.1:${redis.port}` } },
    validating_webhooks: [{ name: 'recorder', url: webhook.url, failure_policy: 'fail', tls_config: { ca_bundle_path: testCerts().caCert } }],
  };
}

/** Tokens left in the server's shared bucket (a missing key is a full bucket). */
async function tokens(name: string): Promise<number> {
  const v = await buckets.hget(`thv:rl:{default:${name}}:shared`, 'tokens');
  return v === null ? MAX_TOKENS : Number(v);
}

interface WebhookView {
  readonly method: unknown;
  readonly id: string | undefined;
  readonly name: unknown;
  readonly arguments: unknown;
}

/** What the webhook judged for server `name`, from its calls starting at index `from`. */
function webhookViews(name: string, from: number): WebhookView[] {
  const out: WebhookView[] = [];
  for (const call of webhook.calls.slice(from)) {
    const payload = JSON.parse(call.raw.toString('utf8')) as {
      context?: { server_name?: string };
      mcp_request?: { method?: unknown; id?: unknown; params?: { name?: unknown; arguments?: unknown } };
    };
    if (payload.context?.server_name !== name) continue;
    const m = payload.mcp_request ?? {};
    out.push({ method: m.method, id: m.id === undefined ? undefined : JSON.stringify(m.id), name: m.params?.name, arguments: m.params?.arguments });
  }
  return out;
}

/** The official SDK client opens the session through the proxy; raw requests then join it. */
async function openSession(stack: Stack, proxy: InProcessProxy): Promise<{ client: Client; target: Target }> {
  const client = new Client({ name: 'differential-test', version: '1.0.0' });
  // Answers to the raw requests reach this client too (same session) under ids it never sent.
  client.onerror = () => {};
  const port = Number(new URL(proxy.url).port);
  if (stack.transport === 'sse') {
    await client.connect(new SSEClientTransport(new URL(proxy.endpoint)));
    const ids = stack.sseSessionIds();
    if (ids.length !== 1) throw new Error(`expected one legacy SSE session, the server has ${ids.length}`);
    return { client, target: { port, path: stack.postPath, query: `?sessionId=${ids[0]}`, headers: [] } };
  }
  const transport = new StreamableHTTPClientTransport(new URL(proxy.endpoint));
  await client.connect(transport);
  if (transport.sessionId === undefined) throw new Error('the server gave the SDK client no Mcp-Session-Id');
  const headers: Array<[string, string]> = [
    ['Mcp-Session-Id', transport.sessionId],
    ['Mcp-Protocol-Version', transport.protocolVersion ?? LATEST_PROTOCOL_VERSION],
  ];
  return { client, target: { port, path: stack.postPath, query: '', headers } };
}

/** Wait until the server answered every request it accepted since `from` (its handlers are done). */
async function settle(stack: Stack, from: number): Promise<void> {
  for (const msg of stack.rec.received.slice(from)) {
    if (msg.method === undefined || msg.id === undefined) continue;
    await waitFor(() => stack.rec.answered.has(msg.id!), 5000, `${stack.kind} to answer request ${msg.id} (${msg.method})`);
  }
}

interface Row {
  readonly entry: string;
  readonly control: boolean;
  readonly status: number | string;
  readonly serverSaw: readonly ServerView[];
  readonly executed: readonly ServerView[];
  readonly charged: number;
  readonly webhookSaw: readonly WebhookView[];
}

async function observe(stack: Stack, name: string, entry: string, control: boolean, send: () => Promise<number | string>): Promise<Row> {
  const marks = { received: stack.rec.received.length, executed: stack.rec.executed.length, hooks: webhook.calls.length, tokens: await tokens(name) };
  const status = await send();
  await settle(stack, marks.received);
  return {
    entry,
    control,
    status,
    serverSaw: stack.rec.received.slice(marks.received),
    executed: stack.rec.executed.slice(marks.executed),
    charged: Math.round(marks.tokens - (await tokens(name))),
    webhookSaw: webhookViews(name, marks.hooks),
  };
}

const show = (views: readonly { method: unknown; id: string | undefined }[]): string =>
  views.length === 0 ? 'nothing' : views.map((v) => `${JSON.stringify(v.method ?? null)}#${v.id ?? '-'}`).join(', ');

function describe(row: Row): string {
  return `proxy answered ${row.status}; server decoded ${show(row.serverSaw)}; executed ${row.executed.length}; charged ${row.charged}; webhook saw ${show(row.webhookSaw)}`;
}

function check(t: Test, kind: string, rows: readonly Row[]): void {
  const slipped: string[] = [];
  for (const row of rows) {
    const executed = row.executed.length;
    const judged = row.webhookSaw.filter((w) => w.method === 'tools/call');
    const where = `[${kind}] ${JSON.stringify(row.entry)}`;
    if (row.control) {
      t.equal(executed, 1, `${where}: the control is executed once (${describe(row)})`);
      t.equal(row.charged, 1, `${where}: the control is charged once (${describe(row)})`);
      t.equal(judged.length, 1, `${where}: the webhook sees the control as a tools/call (${describe(row)})`);
    }
    t.ok(executed <= row.charged, `${where}: every tools/call the server executed was charged by the rate limiter (${describe(row)})`);
    t.ok(executed <= judged.length, `${where}: every tools/call the server executed was seen by the webhook as a tools/call (${describe(row)})`);
    let differs = false;
    for (const run of row.executed) {
      const seen = judged.find((w) => w.id === run.id);
      if (seen === undefined) continue; // already failed above
      const ran = { name: run.name, arguments: run.arguments };
      const was = { name: seen.name, arguments: seen.arguments };
      differs ||= JSON.stringify(ran) !== JSON.stringify(was);
      t.same(ran, was, `${where}: the call executed (id ${run.id}) is the call the webhook judged (executed ${JSON.stringify(ran)}, judged ${JSON.stringify(was)})`);
    }
    if (executed > row.charged) slipped.push(`${row.entry} [executed ${executed}, charged ${row.charged}]`);
    else if (executed > judged.length) slipped.push(`${row.entry} [executed ${executed}, judged as tools/call ${judged.length}]`);
    else if (differs) slipped.push(`${row.entry} [executed arguments differ from the judged ones]`);
  }
  t.comment(`[${kind}] per entry:\n${rows.map((r) => `  ${r.entry}: ${describe(r)}`).join('\n')}`);
  t.same(slipped, [], `[${kind}] corpus entries whose execution was not charged, or not judged as that same tools/call by the webhook`);
}

for (const { kind, start } of STACKS) {
  t.test(`issue 17: through the proxy, ${kind} executes no tools/call that was not charged and judged`, async (t) => {
    const stack = await start();
    const name = `differential-${kind}`;
    let proxy: InProcessProxy | undefined;
    let client: Client | undefined;
    t.teardown(async () => {
      await client?.close().catch(() => undefined);
      await proxy?.close(1000);
      await stack.close();
    });
    proxy = await startInProcess(proxyConfig(stack, name));
    const session = await openSession(stack, proxy);
    client = session.client;

    const rows: Row[] = [];
    for (const [i, entry] of CORPUS.entries()) {
      const id = 1000 + i;
      rows.push(await observe(stack, name, entry.name, entry.control ?? false, async () => (await exchange(session.target.port, requestBytes(entry, session.target, id))).status));
    }
    // Last, the SDK client's own call: a control through the same proxy and session.
    rows.push(
      await observe(stack, name, 'control: SDK client callTool("echo")', true, async () => {
        await session.client.callTool({ name: 'echo', arguments: { text: 'hi' } }, undefined, { timeout: 10_000 });
        return 'sdk ok';
      }),
    );
    check(t, kind, rows);
  });
}
