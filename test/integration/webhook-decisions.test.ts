// SPEC §5 decisions through a real webhook over plain HTTP (insecure_skip_verify allows http).
import t, { type Test } from 'tap';
import { Rejection } from '../../src/errors.js';
import type { FailurePolicy } from '../../src/config/types.js';
import { freePort } from '../helpers/ports.js';
import { captureLogger, mcpContext, startWebhookServer, webhookConfig, type Behaviour, type WebhookServer, webhookStage } from '../helpers/webhookServer.js';

const CALL = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"rm","arguments":{"path":"/"}}}';
const DENIED_BODY = '{"jsonrpc":"2.0","id":7,"error":{"code":403,"message":"Request denied by policy"}}';
const INSECURE = { caBundlePath: undefined, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: true };

async function setup(t: Test, behaviour: Behaviour, failurePolicy: FailurePolicy = 'fail', timeoutMs = 2000) {
  const server = await startWebhookServer({ behaviour });
  t.teardown(() => server.close());
  const logs = captureLogger();
  const stage = webhookStage(
    { serverName: 'files', transport: 'streamable-http', webhook: webhookConfig({ url: server.url, failurePolicy, timeoutMs, tls: INSECURE }) },
    { logger: logs.logger },
  );
  t.teardown(() => stage.close!());
  return { server, stage, logs };
}

function decisionLog(logs: ReturnType<typeof captureLogger>): Record<string, unknown> {
  const line = logs.lines().find((l) => l['webhook'] === 'policy' && 'outcome' in l);
  if (!line) throw new Error(`no decision logged: ${logs.text()}`);
  return line;
}

t.test('§5 the stage is named after the webhook', async (t) => {
  const { stage } = await setup(t, 'allow');
  t.equal(stage.name, 'webhook policy');
});

t.test('§5 allowed:true lets the request continue; the decision is logged at debug with latency', async (t) => {
  const { server, stage, logs } = await setup(t, 'allow');
  const ctx = mcpContext(CALL, { trace: true });
  t.equal(await stage.handle(ctx), undefined);
  t.equal(server.calls.length, 1);
  t.equal(server.calls[0]!.headers['content-type'], 'application/json');
  const log = decisionLog(logs);
  t.equal(log['outcome'], 'allowed');
  t.equal(log['level'], 20, 'debug');
  t.equal(log['status'], 200);
  t.type(log['latencyMs'], 'number');
  t.match(ctx.note?.summary, /^allowed \(200 in \d+ ms\)$/);
});

t.test('§5 allowed:false -> 403 with the fixed body; the webhook message is logged, never sent', async (t) => {
  const { server, stage, logs } = await setup(t, 'deny');
  server.message = 'secret-policy-detail: team blue may not rm';
  const ctx = mcpContext(CALL, { trace: true });
  const r = (await stage.handle(ctx)) as Rejection;
  t.ok(r instanceof Rejection);
  t.equal(r.status, 403);
  t.equal(r.body(), DENIED_BODY, 'exact client body');
  t.notMatch(r.body(), 'secret-policy-detail');
  t.same(r.response().headers, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(r.body())) });
  const log = decisionLog(logs);
  t.equal(log['outcome'], 'denied');
  t.equal(log['level'], 30, 'info');
  t.equal(log['message'], 'secret-policy-detail: team blue may not rm');
  t.equal(ctx.note?.summary.startsWith('denied: secret-policy-detail: team blue may not rm (in '), true);
});

t.test('§5 a notification and a string id are sent too; the 403 echoes the id', async (t) => {
  const { server, stage } = await setup(t, 'deny');
  t.equal((await stage.handle(mcpContext('{"jsonrpc":"2.0","method":"notifications/initialized"}'))) instanceof Rejection, true);
  const r = (await stage.handle(mcpContext('{"jsonrpc":"2.0","id":"a-1","method":"initialize","params":{}}'))) as Rejection;
  t.equal(r.body(), '{"jsonrpc":"2.0","id":"a-1","error":{"code":403,"message":"Request denied by policy"}}');
  t.equal(server.calls.length, 2);
});

t.test('§5 HTTP 422 denies with both failure policies', async (t) => {
  for (const policy of ['fail', 'ignore'] as const) {
    const { stage, logs } = await setup(t, '422', policy);
    const r = (await stage.handle(mcpContext(CALL))) as Rejection;
    t.ok(r instanceof Rejection, `422 with failure_policy ${policy} denies`);
    t.equal(r.body(), DENIED_BODY);
    t.equal(decisionLog(logs)['outcome'], 'denied');
  }
});

const FAILURES: Array<[Behaviour, RegExp]> = [
  ['500', /^error: HTTP 500/],
  ['404', /^error: HTTP 404/],
  ['invalid-json', /^error: invalid JSON/],
  ['no-allowed', /^error: response "allowed" is missing/],
  ['huge', /^error: response passed 1048576 bytes while reading/],
  ['huge-declared', /^error: response declares 2097152 bytes/],
  ['hang', /^error: timeout after 1000 ms/],
];

for (const [behaviour, summary] of FAILURES) {
  t.test(`§5 webhook failure "${behaviour}": failure_policy fail denies, ignore continues`, async (t) => {
    for (const policy of ['fail', 'ignore'] as const) {
      const { server, stage, logs } = await setup(t, behaviour, policy, 1000);
      const ctx = mcpContext(CALL, { trace: true });
      const result = await stage.handle(ctx);
      t.equal(server.calls.length, 1, 'the webhook was called');
      if (policy === 'fail') {
        t.ok(result instanceof Rejection, 'fail -> denied');
        t.equal((result as Rejection).body(), DENIED_BODY);
        t.match(ctx.note?.summary, / -> denied \(failure_policy fail\)$/);
      } else {
        t.equal(result, undefined, 'ignore -> continues');
        t.match(ctx.note?.summary, / -> ignored \(failure_policy ignore\)$/);
      }
      t.match(ctx.note?.summary, summary);
      const log = decisionLog(logs);
      t.equal(log['outcome'], 'error');
      t.equal(log['level'], 40, 'warn');
      t.equal(log['action'], policy === 'fail' ? 'denied' : 'ignored');
    }
  });
}

t.test('§5 connection refused: failure_policy fail denies, ignore continues', async (t) => {
  const port = await freePort();
  for (const policy of ['fail', 'ignore'] as const) {
    const logs = captureLogger();
    const stage = webhookStage(
      { serverName: 'files', transport: 'sse', webhook: webhookConfig({ url: `http://127.0.0.1:${port}/v`, failurePolicy: policy, tls: INSECURE }) },
      { logger: logs.logger },
    );
    t.teardown(() => stage.close!());
    const ctx = mcpContext(CALL, { trace: true });
    const result = await stage.handle(ctx);
    if (policy === 'fail') t.equal((result as Rejection).body(), DENIED_BODY);
    else t.equal(result, undefined);
    t.match(ctx.note?.summary, /^error: ECONNREFUSED/);
  }
});

t.test('§5 JSON-RPC responses, GET and DELETE pass without a webhook call', async (t) => {
  const { server, stage } = await setup(t, 'deny');
  t.equal(stage.handle(mcpContext('{"jsonrpc":"2.0","id":3,"result":{}}')), undefined, 'response');
  t.equal(stage.handle(mcpContext('{"jsonrpc":"2.0","id":3,"error":{"code":1,"message":"x"}}')), undefined, 'error response');
  const get = { ...mcpContext(CALL), httpMethod: 'GET', body: null, mcp: null };
  t.equal(stage.handle(get), undefined, 'GET');
  t.equal(stage.handle({ ...get, httpMethod: 'DELETE' }), undefined, 'DELETE');
  t.equal(server.calls.length, 0);
});

t.test('§5 a request body over 1 MiB is answered 413 before any webhook call', async (t) => {
  const { server, stage } = await setup(t, 'allow');
  const pad = 'x'.repeat(1024 * 1024);
  const big = `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"up","arguments":{"data":"${pad}"}}}`;
  const r = stage.handle(mcpContext(big));
  t.ok(r instanceof Rejection, 'rejected synchronously, no call started');
  t.equal((r as Rejection).status, 413);
  t.equal((r as Rejection).body(), '{"jsonrpc":"2.0","id":9,"error":{"code":-32600,"message":"Request body too large"}}');
  // Exactly 1 MiB is still sent.
  const exact = Buffer.alloc(1024 * 1024, 0x20);
  Buffer.from(CALL).copy(exact);
  t.equal(await stage.handle(mcpContext(exact)), undefined, 'a body of exactly 1 MiB is checked normally');
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(server.calls.length, 1, 'only the 1 MiB request reached the webhook');
});

t.test('§5 the 1 MiB response cap is enforced while reading: an endless response is cut off', async (t) => {
  // If the client buffered the whole response first, this call would only end at the timeout.
  const { server, stage } = await setup(t, 'endless', 'fail', 10_000);
  const ctx = mcpContext(CALL, { trace: true });
  const start = performance.now();
  const result = await stage.handle(ctx);
  t.ok(result instanceof Rejection, 'failure_policy fail denies');
  t.match(ctx.note?.summary, /^error: response passed 1048576 bytes while reading/);
  t.ok(performance.now() - start < 5000, 'ended long before the 10 s timeout');
  await new Promise((resolve) => setTimeout(resolve, 200));
  const written = server.endlessBytes;
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal(server.endlessBytes, written, 'the webhook stopped writing: the connection was closed');
});

t.test('§5 consecutive calls reuse keep-alive connections', async (t) => {
  const { server, stage } = await setup(t, 'allow');
  for (let i = 0; i < 6; i++) t.equal(await stage.handle(mcpContext(CALL)), undefined);
  const ports = new Set(server.calls.map((c) => c.remotePort));
  t.equal(server.calls.length, 6);
  // undici's pool may open a second connection while the first is finishing a response, then
  // alternates between them; without keep-alive every call would have its own port.
  t.ok(ports.size <= 2, `six calls over ${ports.size} connection(s)`);
});
