// SPEC §11 failures through the real proxy with real HTTPS webhooks: every failure of the webhook
// or of its patch is a 500 (JSON-RPC -32603, ToolHive's message) under `failure_policy: fail`,
// and under `ignore` the webhook is skipped: the server gets the client's original bytes.
import t from 'tap';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { freePort } from '../helpers/ports.js';
import { startWebhookServer, type Behaviour, type WebhookServer } from '../helpers/webhookServer.js';
import { patchAnswer, startMutatingWebhook, webhookEntry, type PatchOp } from '../helpers/mutatingWebhook.js';
import type { CustomAnswer } from '../helpers/webhookServer.js';
import type { FailurePolicy } from '../../src/config/types.js';

type Teardown = { teardown(fn: () => unknown): void };

function call(name: string, args: Record<string, unknown> = { q: 'x' }): string {
  return JSON.stringify({ jsonrpc: '2.0', id: name, method: 'tools/call', params: { name, arguments: args } });
}

async function upstream(t: Teardown): Promise<RawUpstream> {
  const u = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => u.close());
  return u;
}

async function proxyFor(t: Teardown, up: RawUpstream, url: string, policy: FailurePolicy, extra: Record<string, unknown> = {}): Promise<InProcessProxy> {
  const entry = { ...webhookEntry(`hook-${policy}`, { url } as WebhookServer, { failure_policy: policy, timeout: '1s' }), ...extra };
  const proxy = await startInProcess(httpConfig(up.port, { mutating_webhooks: [entry], max_body_bytes: 4096 }));
  t.teardown(() => proxy.close(1000));
  return proxy;
}

/** What each patch-level case answers, keyed by the tool name the test calls. */
const PATCH_CASES: Record<string, { answer: (uid: string) => CustomAnswer; message: string }> = {
  'unsupported-type': { answer: (uid) => patchAnswer(uid, [{ op: 'add', path: '/mcp_request/x', value: 'y' }], 'merge_patch'), message: 'Unsupported patch type from webhook' },
  malformed: { answer: (uid) => patchAnswer(uid, 'not-valid-json'), message: 'Malformed patch from webhook' },
  'invalid-op': { answer: (uid) => patchAnswer(uid, [{ op: 'merge', path: '/mcp_request/params/x', value: 1 }]), message: 'Invalid patch from webhook' },
  'outside-mcp-request': { answer: (uid) => patchAnswer(uid, [{ op: 'replace', path: '/principal/sub', value: 'admin' }]), message: 'Patch must be scoped to mcp_request' },
  'whole-mcp-request': { answer: (uid) => patchAnswer(uid, [{ op: 'replace', path: '/mcp_request', value: {} }]), message: 'Patch must be scoped to mcp_request' },
  'on-method': { answer: (uid) => patchAnswer(uid, [{ op: 'replace', path: '/mcp_request/method', value: 'tools/list' }]), message: 'Patch must not change jsonrpc, id or method' },
  'on-id': { answer: (uid) => patchAnswer(uid, [{ op: 'replace', path: '/mcp_request/id', value: 'other' }]), message: 'Patch must not change jsonrpc, id or method' },
  'does-not-apply': { answer: (uid) => patchAnswer(uid, [{ op: 'test', path: '/mcp_request/params/arguments/q', value: 'not x' }]), message: 'Failed to apply patch from webhook' },
  'invalid-result': { answer: (uid) => patchAnswer(uid, [{ op: 'replace', path: '/mcp_request/params', value: [1, 2] }]), message: 'Webhook produced an invalid MCP request' },
  'too-large': { answer: (uid) => patchAnswer(uid, [{ op: 'add', path: '/mcp_request/params/arguments/pad', value: 'x'.repeat(5000) }]), message: 'Patched request exceeds maximum size' },
  'patch-type-number': { answer: (uid) => ({ status: 200, body: { version: 'v0.1.0', uid, allowed: true, patch_type: 7, patch: [] } }), message: 'Webhook error' },
};

t.test('§11 every malformed, out-of-scope or failing patch: fail -> 500 with its message; ignore -> the original bytes', async (t) => {
  const up = await upstream(t);
  const hook = await startMutatingWebhook(t, ({ uid, mcp_request }) => PATCH_CASES[mcp_request.params.name as string]!.answer(uid));
  const fail = await proxyFor(t, up, hook.url, 'fail');
  const ignore = await proxyFor(t, up, hook.url, 'ignore');
  for (const [name, { message }] of Object.entries(PATCH_CASES)) {
    const body = call(name);
    const denied = await postJson(fail.endpoint, body);
    t.equal(denied.status, 500, `${name}: fail -> 500`);
    t.equal(denied.body, JSON.stringify({ jsonrpc: '2.0', id: name, error: { code: -32603, message } }), `${name}: body`);
    const before = up.requests.length;
    const passed = await postJson(ignore.endpoint, body);
    t.equal(passed.status, 200, `${name}: ignore -> forwarded`);
    t.equal(up.requests.length, before + 1);
    t.equal(up.requests.at(-1)!.body.toString(), body, `${name}: unchanged by the skipped webhook, byte for byte`);
  }
  const failLine = fail.requestLogs().at(-1)!;
  t.equal(failLine.rejectedBy, 'mutating-webhook hook-fail');
  t.match(failLine.reason, /^mutating webhook failed \(.+\); failure_policy fail$/);
});

t.test('§11 a number re-serialising would change is never changed: fail -> 500, ignore -> original bytes', async (t) => {
  const up = await upstream(t);
  const hook = await startMutatingWebhook(t, () => [{ op: 'add', path: '/mcp_request/params/arguments/tag', value: 'x' }]);
  const fail = await proxyFor(t, up, hook.url, 'fail');
  const ignore = await proxyFor(t, up, hook.url, 'ignore');
  const body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"transfer","arguments":{"account":12345678901234567890}}}';
  const denied = await postJson(fail.endpoint, body);
  t.equal(denied.status, 500);
  t.equal(JSON.parse(denied.body).error.message, 'Internal error applying patch');
  await postJson(ignore.endpoint, body);
  t.equal(up.requests.at(-1)!.body.toString(), body, '12345678901234567890 reaches the server as written');
});

const CALL_FAILURES: Array<[Behaviour, string]> = [
  ['hang', 'timeout'],
  ['500', 'HTTP 500'],
  ['404', 'HTTP 404'],
  ['invalid-json', 'invalid JSON'],
  ['no-allowed', '"allowed" is missing'],
  ['huge', 'passed 1048576 bytes'],
];

t.test('§11 webhook failures (timeout, 5xx, other status, invalid JSON, no verdict, huge answer): fail -> 500 "Webhook error"; ignore -> skipped', async (t) => {
  const up = await upstream(t);
  const hook = await startWebhookServer({ tls: 'ca', path: '/mutate' });
  t.teardown(() => hook.close());
  const fail = await proxyFor(t, up, hook.url, 'fail');
  const ignore = await proxyFor(t, up, hook.url, 'ignore');
  for (const [behaviour, error] of CALL_FAILURES) {
    hook.behaviour = behaviour;
    const body = call(`b-${behaviour}`);
    const denied = await postJson(fail.endpoint, body);
    t.equal(denied.status, 500, `${behaviour}: fail`);
    t.equal(denied.body, JSON.stringify({ jsonrpc: '2.0', id: `b-${behaviour}`, error: { code: -32603, message: 'Webhook error' } }));
    t.match(fail.logs.filter((l) => l.level === 40).at(-1), { outcome: 'error', action: 'denied', error: new RegExp(error.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) }, `${behaviour}: warned with the cause`);
    const passed = await postJson(ignore.endpoint, body);
    t.equal(passed.status, 200, `${behaviour}: ignore`);
    t.equal(up.requests.at(-1)!.body.toString(), body);
  }
});

t.test('§11 connection refused and an untrusted certificate: fail -> 500; ignore -> skipped', async (t) => {
  const up = await upstream(t);
  const closed = `https://127.0.0.1:${await freePort()}/mutate`;
  const selfSigned = await startWebhookServer({ tls: 'self-signed', path: '/mutate' });
  t.teardown(() => selfSigned.close());
  for (const [what, url] of [['connection refused', closed], ['untrusted certificate', selfSigned.url]] as const) {
    const fail = await proxyFor(t, up, url, 'fail');
    const ignore = await proxyFor(t, up, url, 'ignore');
    const body = call('c');
    const denied = await postJson(fail.endpoint, body);
    t.equal(denied.status, 500, `${what}: fail`);
    t.equal(JSON.parse(denied.body).error.code, -32603);
    const passed = await postJson(ignore.endpoint, body);
    t.equal(passed.status, 200, `${what}: ignore`);
    t.equal(up.requests.at(-1)!.body.toString(), body);
  }
  t.equal(selfSigned.calls.length, 0, 'the untrusted webhook never received a request body');
});

t.test('§11 deny and 422 are honoured under ignore too (a decision, not a failure)', async (t) => {
  const up = await upstream(t);
  const hook = await startWebhookServer({ tls: 'ca', path: '/mutate' });
  t.teardown(() => hook.close());
  const ignore = await proxyFor(t, up, hook.url, 'ignore');
  hook.behaviour = 'deny';
  t.equal((await postJson(ignore.endpoint, call('d'))).status, 403);
  hook.behaviour = '422';
  t.equal((await postJson(ignore.endpoint, call('e'))).status, 422);
  t.equal(up.requests.length, 0);
});

t.test('§11 a body over 1 MiB is answered 413 before the mutating webhook is called', async (t) => {
  const up = await upstream(t);
  const hook = await startMutatingWebhook(t, (): PatchOp[] => []);
  const entry = webhookEntry('m', hook);
  const proxy = await startInProcess(httpConfig(up.port, { mutating_webhooks: [entry] }));
  t.teardown(() => proxy.close(1000));
  const res = await postJson(proxy.endpoint, call('big', { pad: 'x'.repeat((1 << 20) + 10) }));
  t.equal(res.status, 413);
  t.equal(JSON.parse(res.body).error.code, -32600);
  t.equal(hook.calls.length, 0);
});
