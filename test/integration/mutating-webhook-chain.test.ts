// SPEC §11 ordering through the real proxy: mutating webhooks run in config order, each seeing
// the previous one's result; the validating webhooks (and the server) see the final request; a
// mutating webhook skipped under `ignore` leaves the request as the next one gets it.
import t from 'tap';
import { planChain } from '../../src/chain/plan.js';
import { loadConfigText } from '../../src/config/load.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { startWebhookServer } from '../helpers/webhookServer.js';
import { rawMcpRequest, seenRequests, startMutatingWebhook, webhookEntry } from '../helpers/mutatingWebhook.js';

const CALL = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"deploy","arguments":{"env":"prod","token":"s3cr3t"}}}';

async function upstream(t: { teardown(fn: () => unknown): void }): Promise<RawUpstream> {
  const u = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => u.close());
  return u;
}

t.test('§11 two mutating webhooks chain: the second sees the first one\'s result, the server sees both', async (t) => {
  const up = await upstream(t);
  const first = await startMutatingWebhook(t, () => [{ op: 'add', path: '/mcp_request/params/arguments/dept', value: 'engineering' }]);
  const second = await startMutatingWebhook(t, ({ mcp_request }) => [
    { op: 'add', path: '/mcp_request/params/arguments/team', value: `${mcp_request.params.arguments.dept}-blue` },
    { op: 'remove', path: '/mcp_request/params/arguments/token' },
  ]);
  const proxy = await startInProcess(httpConfig(up.port, { mutating_webhooks: [webhookEntry('enrich', first), webhookEntry('strip', second)] }));
  t.teardown(() => proxy.close(1000));

  const res = await postJson(proxy.endpoint, CALL);
  t.equal(res.status, 200, res.body);
  t.same(seenRequests(first)[0]!.params.arguments, { env: 'prod', token: 's3cr3t' }, 'first: the original');
  t.same(seenRequests(second)[0]!.params.arguments, { env: 'prod', token: 's3cr3t', dept: 'engineering' }, "second: the first one's result");
  t.same(JSON.parse(up.requests[0]!.body.toString()).params.arguments, { env: 'prod', dept: 'engineering', team: 'engineering-blue' });
  t.same(proxy.requestLogs().at(-1)!.patches, [
    { webhook: 'enrich', op: 'add', path: '/mcp_request/params/arguments/dept' },
    { webhook: 'strip', op: 'add', path: '/mcp_request/params/arguments/team' },
    { webhook: 'strip', op: 'remove', path: '/mcp_request/params/arguments/token' },
  ]);
});

t.test('§11 a validating webhook sees the patched request, byte for byte as it is forwarded', async (t) => {
  const up = await upstream(t);
  const redact = await startMutatingWebhook(t, () => [{ op: 'replace', path: '/mcp_request/params/arguments/token', value: '***' }]);
  const policy = await startWebhookServer({ tls: 'ca', behaviour: 'allow' });
  t.teardown(() => policy.close());
  // Validating listed first in the file: the chain order, not the file order, decides.
  const proxy = await startInProcess(
    httpConfig(up.port, { validating_webhooks: [webhookEntry('policy', policy)], mutating_webhooks: [webhookEntry('redact', redact)] }),
  );
  t.teardown(() => proxy.close(1000));

  const res = await postJson(proxy.endpoint, CALL);
  t.equal(res.status, 200, res.body);
  t.equal(redact.calls.length, 1);
  t.equal(policy.calls.length, 1);
  t.ok(redact.calls[0]!.receivedAt <= policy.calls[0]!.receivedAt, 'mutating before validating');
  const judged = rawMcpRequest(policy, 0);
  t.notMatch(judged, 's3cr3t', 'the validating webhook never sees the redacted value');
  t.equal(judged, up.requests[0]!.body.toString(), 'it judged exactly the bytes the server received');
});

t.test('§11 a validating webhook denies on what the mutating webhook wrote', async (t) => {
  const up = await upstream(t);
  const pin = await startMutatingWebhook(t, () => [{ op: 'replace', path: '/mcp_request/params/arguments/env', value: 'staging' }]);
  const policy = await startWebhookServer({ tls: 'ca', behaviour: 'custom' });
  t.teardown(() => policy.close());
  policy.respond = ({ uid, mcp_request }) => ({ status: 200, body: { version: 'v0.1.0', uid, allowed: mcp_request.params.arguments.env !== 'prod' } });
  const proxy = await startInProcess(httpConfig(up.port, { mutating_webhooks: [webhookEntry('pin', pin)], validating_webhooks: [webhookEntry('no-prod', policy)] }));
  t.teardown(() => proxy.close(1000));

  const res = await postJson(proxy.endpoint, CALL);
  t.equal(res.status, 200, 'allowed: the policy judged env "staging", not the "prod" the client sent');
  t.equal(JSON.parse(up.requests[0]!.body.toString()).params.arguments.env, 'staging');
});

t.test('§11 the first webhook fails under ignore: the second gets the request unchanged by it', async (t) => {
  const up = await upstream(t);
  const broken = await startMutatingWebhook(t, () => [{ op: 'replace', path: '/mcp_request/method', value: 'tools/list' }]);
  const second = await startMutatingWebhook(t, () => [{ op: 'add', path: '/mcp_request/params/arguments/ok', value: true }]);
  const proxy = await startInProcess(
    httpConfig(up.port, { mutating_webhooks: [webhookEntry('broken', broken, { failure_policy: 'ignore' }), webhookEntry('second', second)] }),
  );
  t.teardown(() => proxy.close(1000));

  const res = await postJson(proxy.endpoint, CALL);
  t.equal(res.status, 200, res.body);
  t.equal(rawMcpRequest(second, 0), CALL, 'the original bytes');
  const forwarded = JSON.parse(up.requests[0]!.body.toString());
  t.equal(forwarded.method, 'tools/call');
  t.equal(forwarded.params.arguments.ok, true);
  const warn = proxy.logs.find((l) => l.webhook === 'broken' && l.level === 40);
  t.match(warn, { outcome: 'error', action: 'ignored', failurePolicy: 'ignore', error: /would change \/mcp_request\/method/ });
});

t.test('§11 plan: mutating webhooks after the rate limit, before the validating ones, each in config order', async (t) => {
  const hook = (name: string) => ({ name, url: 'http://127.0.0.1:9/x', failure_policy: 'fail' as const, tls_config: { insecure_skip_verify: true } });
  const file = httpConfig(9, {
    validating_webhooks: [hook('v1'), hook('v2')],
    mutating_webhooks: [hook('m1'), hook('m2')],
    rate_limit_config: { shared: { maxTokens: 5, refillPeriod: '1s' } },
  });
  const loaded = loadConfigText(JSON.stringify(file), 'x.json', { store: 'memory' }, {});
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  t.same(
    planChain(loaded.config).stages.map((s) => s.name).slice(-5),
    ['rate-limit', 'mutating-webhook m1', 'mutating-webhook m2', 'webhook v1', 'webhook v2'],
  );
});
