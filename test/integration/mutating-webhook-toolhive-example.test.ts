// SPEC §11 "a policy service written for ToolHive works unchanged": the mutating webhook of
// ToolHive's own chain test (pkg/runner/webhook_integration_test.go: add dept=engineering, then a
// validating webhook asserts it), answering byte for byte as Go's json.Encoder writes
// webhook.MutatingResponse, behind mTLS and checking the HMAC signature as ToolHive signs —
// the same client, signing and TLS the validating webhooks use.
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { testCerts } from '../helpers/certs.js';
import { startWebhookServer } from '../helpers/webhookServer.js';
import { seenRequests } from '../helpers/mutatingWebhook.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

t.test('§11 ToolHive\'s documented mutating webhook (Go encoder bytes, mTLS, HMAC) works unchanged', async (t) => {
  const certs = testCerts();
  const secret = randomBytes(32).toString('hex');
  process.env.THV_TEST_MUTATING_SECRET = secret;
  t.teardown(() => delete process.env.THV_TEST_MUTATING_SECRET);

  const mutating = await startWebhookServer({ tls: 'ca', requireClientCert: true, secret: Buffer.from(secret), path: '/mutate', behaviour: 'custom' });
  t.teardown(() => mutating.close());
  mutating.respond = (req) => {
    // What the Go webhook decodes into webhook.Request before it answers.
    if (req.version !== 'v0.1.0' || !UUID_V4.test(req.uid) || !RFC3339.test(req.timestamp) || req.principal !== null) throw new Error('not a ToolHive request');
    const patch = '[{"op":"add","path":"/mcp_request/params/arguments/dept","value":"engineering"}]';
    // json.NewEncoder(w).Encode(webhook.MutatingResponse{...}): struct field order, omitempty, a final newline.
    return { status: 200, body: `{"version":"v0.1.0","uid":"${req.uid}","allowed":true,"patch_type":"json_patch","patch":${patch}}\n` };
  };
  const validating = await startWebhookServer({ tls: 'ca', path: '/validate', behaviour: 'custom' });
  t.teardown(() => validating.close());
  validating.respond = ({ uid, mcp_request }) => ({
    status: 200,
    body: `${JSON.stringify({ version: 'v0.1.0', uid, allowed: mcp_request.params?.arguments?.dept === 'engineering' })}\n`,
  });
  const up = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [{ type: 'text', text: 'ok' }] }));
  t.teardown(() => up.close());

  const tls = { ca_bundle_path: certs.caCert };
  const proxy = await startInProcess(
    httpConfig(up.port, {
      name: 'test-server',
      mutating_webhooks: [{
        name: 'test-mutating-webhook', url: mutating.url, timeout: 10_000_000_000, failure_policy: 'fail',
        tls_config: { ...tls, client_cert_path: certs.clientCert, client_key_path: certs.clientKey },
        hmac_secret_ref: 'env:THV_TEST_MUTATING_SECRET',
      }],
      validating_webhooks: [{ name: 'test-validating-webhook', url: validating.url, failure_policy: 'fail', tls_config: tls }],
    }),
  );
  t.teardown(() => proxy.close(1000));

  // The request of ToolHive's test: a tools/call with an empty arguments object.
  const res = await postJson(proxy.endpoint, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"db","arguments":{}}}');
  t.equal(res.status, 200, res.body);
  t.same(JSON.parse(up.requests[0]!.body.toString()).params.arguments, { dept: 'engineering' }, 'the server got the patched call');
  t.equal(mutating.calls[0]!.signatureValid, true, 'signed as ToolHive signs (X-ToolHive-Signature over "<ts>.<body>")');
  t.equal(mutating.calls[0]!.clientCertCN, 'thv-proxy-test-client', 'mTLS client certificate presented');
  t.same(seenRequests(mutating)[0]!.params.arguments, {}, 'the mutating webhook saw the original');
  const payload = JSON.parse(mutating.calls[0]!.raw.toString());
  t.same(payload.context, { server_name: 'test-server', source_ip: '127.0.0.1', transport: 'streamable-http' });
  t.equal(validating.calls.length, 1, 'the validating webhook allowed on dept=engineering');
});
