// Issue 15 performance: a request no mutating webhook patches costs no re-serialisation — the
// same CPU per request as a webhook call without mutation (a validating webhook answering allow,
// same payload, same HTTPS client), and the bytes are the very Buffer the client sent. A webhook
// that does patch shows what re-serialisation costs, so the measurement can see it.
// CPU is process time (the in-process HTTPS webhook's share is the same in every variant),
// median of interleaved rounds; numbers go to the test output (docs/performance.md has a run).
import t from 'tap';
import { runChain } from '../../src/chain/run.js';
import type { Middleware } from '../../src/chain/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { compileWebhookTls } from '../../src/webhook/tlsMaterial.js';
import { createMutatingWebhookMiddleware } from '../../src/webhook/mutatingMiddleware.js';
import { testCerts } from '../helpers/certs.js';
import { mcpContext, startWebhookServer, webhookConfig, webhookStage } from '../helpers/webhookServer.js';
import { patchAnswer } from '../helpers/mutatingWebhook.js';

const ARGS = { rows: Array.from({ length: 800 }, (_, i) => ({ id: i, name: `row-${i}`, score: i / 7, tags: ['a', 'b', 'c'] })) };
const BODY = Buffer.from(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'import', arguments: ARGS } }));
const PER_ROUND = 30;
const ROUNDS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

t.test('issue 15: no patch costs what a plain webhook call costs; ctx.body stays the client\'s Buffer', async (t) => {
  const server = await startWebhookServer({ tls: 'ca', behaviour: 'custom' });
  t.teardown(() => server.close());
  let patching = false;
  server.respond = ({ uid }) =>
    patching ? patchAnswer(uid, [{ op: 'add', path: '/mcp_request/params/arguments/batch', value: 'b-1' }]) : { status: 200, body: { version: 'v0.1.0', uid, allowed: true } };

  const tlsFiles = { caBundlePath: testCerts().caCert, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: false };
  const webhook = webhookConfig({ url: server.url, timeoutMs: 5000, tls: tlsFiles });
  const deps = { logger: silentLogger() };
  const validating = webhookStage({ serverName: 's', transport: 'streamable-http', webhook }, deps);
  const tls = compileWebhookTls(webhook.tls, '/tls', () => {});
  const mutating = createMutatingWebhookMiddleware({ serverName: 's', transport: 'streamable-http', webhook, tls, maxBodyBytes: 8 << 20 }, deps);
  t.teardown(() => Promise.all([validating.close!(), mutating.close!()]));

  const ctx0 = mcpContext(BODY);
  const mcp0 = ctx0.mcp;
  await runChain([mutating], ctx0);
  t.equal(ctx0.body, BODY, 'no patch: the very Buffer the client sent goes on (nothing re-serialised)');
  t.equal(ctx0.mcp, mcp0, 'and the parse is the parser\'s own');

  async function cpuPerRequest(stage: Middleware, patch: boolean): Promise<number> {
    patching = patch;
    const start = process.cpuUsage();
    for (let i = 0; i < PER_ROUND; i++) {
      const outcome = await runChain([stage], mcpContext(BODY));
      if (outcome.rejection) throw new Error(`rejected: ${outcome.rejection.reason}`);
    }
    const used = process.cpuUsage(start);
    return (used.user + used.system) / PER_ROUND;
  }

  // Warm up every path (TLS session, JIT) before measuring.
  for (const [stage, patch] of [[validating, false], [mutating, false], [mutating, true]] as const) await cpuPerRequest(stage, patch);
  const samples = { validating: [] as number[], noPatch: [] as number[], patched: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    samples.validating.push(await cpuPerRequest(validating, false));
    samples.noPatch.push(await cpuPerRequest(mutating, false));
    samples.patched.push(await cpuPerRequest(mutating, true));
  }
  const v = median(samples.validating);
  const n = median(samples.noPatch);
  const p = median(samples.patched);
  t.comment(`request ${BODY.length} bytes; CPU per request (median of ${ROUNDS} rounds x ${PER_ROUND}): validating allow ${Math.round(v)} µs, mutating no patch ${Math.round(n)} µs (${(n / v).toFixed(2)}x), mutating with a 1-op patch ${Math.round(p)} µs (${(p / v).toFixed(2)}x)`);
  t.ok(n < v * 1.4, `no patch costs the webhook call, nothing more (${Math.round(n)} vs ${Math.round(v)} µs)`);
  t.ok(p > n * 1.15, `a patch's re-serialisation is visible to this measurement (${Math.round(p)} vs ${Math.round(n)} µs)`);
});
