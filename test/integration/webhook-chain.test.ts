// SPEC §5 ordering: webhooks run in config order through the real chain runner; the first
// denial wins and later webhooks are never called.
import t from 'tap';
import { Rejection } from '../../src/errors.js';
import { runChain } from '../../src/chain/run.js';
import type { Middleware } from '../../src/chain/types.js';
import type { FailurePolicy } from '../../src/config/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { mcpContext, startWebhookServer, webhookConfig, type Behaviour, type WebhookServer, webhookStage } from '../helpers/webhookServer.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}';
const INSECURE = { caBundlePath: undefined, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: true };

async function twoWebhooks(t: { teardown(fn: () => unknown): void }, first: Behaviour, second: Behaviour, firstPolicy: FailurePolicy = 'fail') {
  const servers: WebhookServer[] = [];
  const stages: Middleware[] = [];
  for (const [name, behaviour, policy] of [['first', first, firstPolicy], ['second', second, 'fail']] as const) {
    const server = await startWebhookServer({ behaviour });
    t.teardown(() => server.close());
    const stage = webhookStage(
      { serverName: 'srv', transport: 'streamable-http', webhook: webhookConfig({ name, url: server.url, failurePolicy: policy, timeoutMs: 1000, tls: INSECURE }) },
      { logger: silentLogger() },
    );
    t.teardown(() => stage.close!());
    servers.push(server);
    stages.push(stage);
  }
  return { servers, stages };
}

t.test('§5 both allow: both are called, in config order, and the request passes', async (t) => {
  const { servers, stages } = await twoWebhooks(t, 'allow', 'allow');
  const ctx = mcpContext(CALL, { trace: true });
  const outcome = await runChain(stages, ctx);
  t.equal(outcome.rejection, undefined);
  t.equal(servers[0]!.calls.length, 1);
  t.equal(servers[1]!.calls.length, 1);
  t.ok(servers[0]!.calls[0]!.receivedAt <= servers[1]!.calls[0]!.receivedAt, 'first before second');
  t.same(ctx.trace!.map((r) => [r.stage, r.outcome]), [['webhook first', 'continue'], ['webhook second', 'continue']]);
});

t.test('§5 first denies: the second webhook is not called', async (t) => {
  const { servers, stages } = await twoWebhooks(t, 'deny', 'allow');
  const ctx = mcpContext(CALL, { trace: true });
  const outcome = await runChain(stages, ctx);
  t.ok(outcome.rejection instanceof Rejection);
  t.equal(outcome.rejectedBy, 'webhook first');
  t.equal(outcome.rejection!.status, 403);
  t.equal(servers[0]!.calls.length, 1);
  t.equal(servers[1]!.calls.length, 0, 'second never called');
  t.same(ctx.trace!.map((r) => [r.stage, r.outcome]), [['webhook first', 'reject']]);
  t.match(ctx.trace![0]!.summary, /^denied: /);
});

t.test('§5 second denies after first allows: rejected by the second', async (t) => {
  const { servers, stages } = await twoWebhooks(t, 'allow', 'deny');
  const outcome = await runChain(stages, mcpContext(CALL));
  t.equal(outcome.rejectedBy, 'webhook second');
  t.equal(servers[0]!.calls.length, 1);
  t.equal(servers[1]!.calls.length, 1);
});

t.test('§5 first fails with failure_policy ignore: skipped, the second decides', async (t) => {
  const { servers, stages } = await twoWebhooks(t, '500', 'deny', 'ignore');
  const outcome = await runChain(stages, mcpContext(CALL));
  t.equal(outcome.rejectedBy, 'webhook second');
  t.equal(servers[1]!.calls.length, 1);
});

t.test('§5 first fails with failure_policy fail: denied, the second is not called', async (t) => {
  const { servers, stages } = await twoWebhooks(t, 'invalid-json', 'allow', 'fail');
  const outcome = await runChain(stages, mcpContext(CALL));
  t.equal(outcome.rejectedBy, 'webhook first');
  t.equal(outcome.rejection!.body(), '{"jsonrpc":"2.0","id":1,"error":{"code":403,"message":"Request denied by policy"}}');
  t.equal(servers[1]!.calls.length, 0);
});
