// SPEC §11, the stage itself through runChain with a context built by hand (a real HTTPS webhook):
// what it writes on the context when it patches, what it leaves alone when it does not, and which
// messages it never sends (JSON-RPC responses, bodiless requests).
import t from 'tap';
import { runChain } from '../../../src/chain/run.js';
import type { Middleware } from '../../../src/chain/types.js';
import { compileWebhookTls } from '../../../src/webhook/tlsMaterial.js';
import { createMutatingWebhookMiddleware } from '../../../src/webhook/mutatingMiddleware.js';
import { testCerts } from '../../helpers/certs.js';
import { captureLogger, mcpContext, webhookConfig } from '../../helpers/webhookServer.js';
import { startMutatingWebhook, type PatchOp } from '../../helpers/mutatingWebhook.js';

async function stage(t: { teardown(fn: () => unknown): void }, patch: (req: Record<string, any>) => PatchOp[]) {
  const server = await startMutatingWebhook(t, ({ mcp_request }) => patch(mcp_request));
  const webhook = webhookConfig({ name: 'm', url: server.url, tls: { caBundlePath: testCerts().caCert, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: false } });
  const log = captureLogger();
  const tls = compileWebhookTls(webhook.tls, '/tls', () => {});
  const mw: Middleware = createMutatingWebhookMiddleware({ serverName: 's', transport: 'stdio', webhook, tls, maxBodyBytes: 1 << 20 }, { logger: log.logger });
  t.teardown(() => mw.close!());
  return { server, mw, log };
}

t.test('§11 a patch replaces body and mcp on the context and records the operations', async (t) => {
  const { mw, log } = await stage(t, () => [{ op: 'add', path: '/mcp_request/params/arguments/b', value: 2 }]);
  const ctx = mcpContext('{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"n","arguments":{"a":1}}}', { trace: true });
  const original = ctx.body;
  const outcome = await runChain([mw], ctx);
  t.equal(outcome.rejection, undefined);
  t.not(ctx.body, original);
  t.equal(ctx.body!.toString(), '{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"n","arguments":{"a":1,"b":2}}}');
  t.same(ctx.mcp!.arguments, { a: 1, b: 2 });
  t.same(ctx.patches, [{ webhook: 'm', op: 'add', path: '/mcp_request/params/arguments/b' }]);
  t.same(ctx.trace!.map((r) => [r.stage, r.outcome]), [['mutating-webhook m', 'continue']]);
  t.match(log.lines().find((l) => l.outcome === 'patched'), { level: 20, webhookType: 'mutating', patch: [{ op: 'add', path: '/mcp_request/params/arguments/b' }] });
  t.notMatch(log.text(), /"value"/, 'the log never carries a value');
});

t.test('§11 no patch: the context is untouched (same Buffer, same parse, no patches field)', async (t) => {
  const { mw } = await stage(t, () => []);
  const ctx = mcpContext('{"jsonrpc":"2.0","method":"notifications/initialized"}');
  const [body, mcp] = [ctx.body, ctx.mcp];
  t.equal((await runChain([mw], ctx)).rejection, undefined);
  t.equal(ctx.body, body);
  t.equal(ctx.mcp, mcp);
  t.equal(ctx.patches, undefined);
});

t.test('§11 JSON-RPC responses and bodiless requests are never sent', async (t) => {
  const { mw, server } = await stage(t, () => [{ op: 'add', path: '/mcp_request/x', value: 1 }]);
  const response = mcpContext('{"jsonrpc":"2.0","id":1,"result":{}}');
  t.equal(mw.handle(response), undefined, 'synchronously passed');
  const get = { ...mcpContext('{"jsonrpc":"2.0","id":1,"method":"ping"}'), httpMethod: 'GET', body: null, mcp: null };
  t.equal(mw.handle(get), undefined);
  t.equal(server.calls.length, 0);
});

t.test('§11 two stages in one chain: the second is called with the first one\'s bytes', async (t) => {
  const first = await stage(t, () => [{ op: 'add', path: '/mcp_request/params/step', value: 1 }]);
  const second = await stage(t, (req) => [{ op: 'replace', path: '/mcp_request/params/step', value: req.params.step + 1 }]);
  const ctx = mcpContext('{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}');
  await runChain([first.mw, second.mw], ctx);
  t.equal(second.server.calls[0]!.raw.includes(Buffer.from('"params":{"step":1}')), true);
  t.same(ctx.mcp!.params, { step: 2 });
  t.equal(ctx.patches!.length, 2);
});
