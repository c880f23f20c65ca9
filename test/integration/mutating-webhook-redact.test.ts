// SPEC §11 through the real proxy (loader, chain, HTTP terminal) to a real upstream, with a real
// HTTPS mutating webhook: a redaction reaches the server redacted with a correct Content-Length;
// a request nobody patches is forwarded byte for byte; the request log names the operations
// applied, never their values.
import t from 'tap';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { rawMcpRequest, seenRequests, startMutatingWebhook, webhookEntry } from '../helpers/mutatingWebhook.js';

const SECRET = 'hunter2-do-not-log';
const LOGIN = `{"jsonrpc":"2.0","id":"a-1","method":"tools/call","params":{"name":"login","arguments":{"user":"ann","password":"${SECRET}"}}}`;

async function upstream(t: { teardown(fn: () => unknown): void }): Promise<RawUpstream> {
  const u = await startRawUpstream((_req, res, body) => jsonResult(res, body, { echoed: JSON.parse(body.toString()) }));
  t.teardown(() => u.close());
  return u;
}

t.test('§11 a patch that redacts an argument reaches the server redacted, Content-Length matching', async (t) => {
  const up = await upstream(t);
  const hook = await startMutatingWebhook(t, ({ mcp_request }) =>
    mcp_request.params?.arguments?.password === undefined
      ? []
      : [{ op: 'replace', path: '/mcp_request/params/arguments/password', value: '[REDACTED]' }],
  );
  const proxy = await startInProcess(httpConfig(up.port, { mutating_webhooks: [webhookEntry('redact', hook)] }));
  t.teardown(() => proxy.close(1000));

  const res = await postJson(proxy.endpoint, LOGIN);
  t.equal(res.status, 200, res.body);
  t.equal(up.requests.length, 1);
  const forwarded = up.requests[0]!;
  t.same(JSON.parse(forwarded.body.toString()), {
    jsonrpc: '2.0', id: 'a-1', method: 'tools/call', params: { name: 'login', arguments: { user: 'ann', password: '[REDACTED]' } },
  });
  t.notMatch(forwarded.body.toString(), SECRET, 'the secret never reaches the server');
  t.equal(forwarded.headers['content-length'], String(forwarded.body.length), 'Content-Length is the patched length');
  t.equal(forwarded.headers['content-type'], 'application/json');
  t.equal(JSON.parse(res.body).id, 'a-1', 'the client gets the answer to its own id');
  t.same(seenRequests(hook)[0]!.params.arguments.password, SECRET, 'the webhook saw the original');

  const line = proxy.requestLogs().at(-1)!;
  t.equal(line.level, 30, 'info');
  t.same(line.patches, [{ webhook: 'redact', op: 'replace', path: '/mcp_request/params/arguments/password' }]);
  t.notMatch(JSON.stringify(proxy.logs), SECRET, 'no log line carries the value, old or new');
  t.notMatch(JSON.stringify(proxy.logs), '[REDACTED]', 'nor the patched value');
});

t.test('§11 no patch: the original bytes go upstream byte for byte (no re-serialisation)', async (t) => {
  const up = await upstream(t);
  const hook = await startMutatingWebhook(t, () => []);
  const proxy = await startInProcess(httpConfig(up.port, { mutating_webhooks: [webhookEntry('noop', hook)] }));
  t.teardown(() => proxy.close(1000));

  // Whitespace, key order, 1.0, 1e2 and \u00e9 would all change if anything re-serialised it.
  const body = '{ "params" : {"arguments":{"n":1.0,"m":1e2,"s":"caf\\u00e9"},"name":"calc"},\n "method":"tools/call","id":9, "jsonrpc":"2.0" }';
  const res = await postJson(proxy.endpoint, body);
  t.equal(res.status, 200, res.body);
  t.equal(up.requests[0]!.body.toString(), body, 'byte for byte');
  t.equal(rawMcpRequest(hook, 0), body, 'the webhook got it byte for byte too');
  t.equal(proxy.requestLogs().at(-1)!.patches, undefined, 'no patches field when nothing was patched');
});

t.test('§11 answers other than 200 never change the request: deny 403, 422 -> 422', async (t) => {
  const up = await upstream(t);
  const hook = await startMutatingWebhook(t, ({ uid, mcp_request }) =>
    mcp_request.params?.name === 'rm'
      ? { status: 200, body: { version: 'v0.1.0', uid, allowed: false, message: 'rm is off', reason: 'Policy' } }
      : { status: 422, body: { version: 'v0.1.0', uid, allowed: false, message: 'bad arguments' } },
  );
  const proxy = await startInProcess(httpConfig(up.port, { mutating_webhooks: [webhookEntry('guard', hook, { failure_policy: 'ignore' })] }));
  t.teardown(() => proxy.close(1000));

  const denied = await postJson(proxy.endpoint, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"rm"}}');
  t.equal(denied.status, 403);
  t.equal(denied.body, '{"jsonrpc":"2.0","id":1,"error":{"code":403,"message":"Request denied by webhook policy"}}');
  const unprocessable = await postJson(proxy.endpoint, '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"ls"}}');
  t.equal(unprocessable.status, 422, 'HTTP 422 from the webhook is 422 to the client, whatever the failure policy');
  t.equal(unprocessable.body, '{"jsonrpc":"2.0","id":2,"error":{"code":403,"message":"Request denied by webhook policy"}}');
  t.equal(up.requests.length, 0, 'nothing reached the server');
  t.equal(proxy.requestLogs().at(-1)!.rejectedBy, 'mutating-webhook guard');
  t.notMatch(denied.body + unprocessable.body, /rm is off|bad arguments/, "the webhook's words stay in the log");
});
