// SPEC §5 TLS settings of a webhook, against real HTTPS webhooks with certificates made by
// openssl for this run: CA bundle trust, untrusted self-signed servers, insecure_skip_verify,
// and mTLS (client certificate required by the server).
import t, { type Test } from 'tap';
import { Rejection, ThvError } from '../../src/errors.js';
import type { FailurePolicy, WebhookTls } from '../../src/config/types.js';
import { testCerts } from '../helpers/certs.js';
import { captureLogger, mcpContext, startWebhookServer, webhookConfig, type WebhookServerOptions, webhookStage } from '../helpers/webhookServer.js';

const CALL = '{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"search"}}';
const certs = testCerts();
const NO_TLS: WebhookTls = { caBundlePath: undefined, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: false };

async function attempt(t: Test, server: WebhookServerOptions, tls: Partial<WebhookTls>, failurePolicy: FailurePolicy = 'fail') {
  const webhook = await startWebhookServer({ behaviour: 'allow', ...server });
  t.teardown(() => webhook.close());
  const logs = captureLogger();
  const stage = webhookStage(
    { serverName: 's', transport: 'streamable-http', webhook: webhookConfig({ url: webhook.url, failurePolicy, timeoutMs: 3000, tls: { ...NO_TLS, ...tls } }) },
    { logger: logs.logger },
  );
  t.teardown(() => stage.close!());
  const ctx = mcpContext(CALL, { trace: true });
  const result = await stage.handle(ctx);
  return { result, webhook, summary: ctx.note?.summary ?? '', logs };
}

t.test('§5 https webhook trusted through ca_bundle_path is called and allows', async (t) => {
  const { result, webhook } = await attempt(t, { tls: 'ca' }, { caBundlePath: certs.caCert });
  t.equal(result, undefined);
  t.equal(webhook.calls.length, 1);
});

t.test('§5 without the CA bundle the test CA is not trusted: failure policy applies', async (t) => {
  const fail = await attempt(t, { tls: 'ca' }, {}, 'fail');
  t.ok(fail.result instanceof Rejection, 'fail -> denied');
  t.match(fail.summary, /^error: .*(UNABLE_TO|CERT|certificate)/i);
  t.equal(fail.webhook.calls.length, 0, 'no request reached the webhook');
  const ignore = await attempt(t, { tls: 'ca' }, {}, 'ignore');
  t.equal(ignore.result, undefined, 'ignore -> continues');
});

t.test('§5 an untrusted self-signed webhook fails unless insecure_skip_verify', async (t) => {
  const untrusted = await attempt(t, { tls: 'self-signed' }, { caBundlePath: certs.caCert });
  t.ok(untrusted.result instanceof Rejection, 'self-signed with the CA bundle: denied (fail)');
  t.equal(untrusted.webhook.calls.length, 0);
  const skipped = await attempt(t, { tls: 'self-signed' }, { insecureSkipVerify: true });
  t.equal(skipped.result, undefined, 'insecure_skip_verify: allowed');
  t.equal(skipped.webhook.calls.length, 1);
});

t.test('§5 mTLS: a server requiring a client certificate accepts client_cert_path/key', async (t) => {
  const { result, webhook } = await attempt(
    t,
    { tls: 'ca', requireClientCert: true },
    { caBundlePath: certs.caCert, clientCertPath: certs.clientCert, clientKeyPath: certs.clientKey },
  );
  t.equal(result, undefined);
  t.equal(webhook.calls.length, 1);
  t.equal(webhook.calls[0]!.clientCertCN, 'thv-proxy-test-client', 'the client certificate was presented');
});

t.test('§5 mTLS: without a client certificate the call fails and the failure policy applies', async (t) => {
  const fail = await attempt(t, { tls: 'ca', requireClientCert: true }, { caBundlePath: certs.caCert }, 'fail');
  t.ok(fail.result instanceof Rejection, 'fail -> denied');
  t.equal((fail.result as Rejection).status, 403);
  t.equal(fail.webhook.calls.length, 0);
  t.match(fail.summary, /^error: .* -> denied \(failure_policy fail\)$/);
  const ignore = await attempt(t, { tls: 'ca', requireClientCert: true }, { caBundlePath: certs.caCert }, 'ignore');
  t.equal(ignore.result, undefined, 'ignore -> continues');
});

t.test('§2 unreadable or unparsable TLS files are config errors at load, with pointers (validate = run)', async (t) => {
  const { loadConfigText } = await import('../../src/config/load.js');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'thv-tls-'));
  const garbage = join(dir, 'garbage.pem');
  writeFileSync(garbage, 'not a pem\n');
  const load = (tls: Record<string, unknown>) =>
    loadConfigText(
      JSON.stringify({ name: 's', transport: 'streamable-http', target_port: 9, validating_webhooks: [{ name: 'opa', url: 'https://127.0.0.1:1/', failure_policy: 'fail', tls_config: tls }] }),
      'c.json',
      {},
      {},
    );
  const cases: Array<[Record<string, unknown>, string, RegExp]> = [
    [{ ca_bundle_path: '/nonexistent/ca.pem' }, '/validating_webhooks/0/tls_config/ca_bundle_path', /nonexistent.*no such file/],
    [{ ca_bundle_path: garbage }, '/validating_webhooks/0/tls_config/ca_bundle_path', /not a PEM CA bundle/],
    [{ client_cert_path: certs.clientCert, client_key_path: garbage }, '/validating_webhooks/0/tls_config/client_key_path', /not a PEM private key/],
    [{ client_cert_path: certs.serverCert, client_key_path: certs.clientKey }, '/validating_webhooks/0/tls_config/client_cert_path', /cannot be used together/],
  ];
  for (const [tls, path, message] of cases) {
    const r = load(tls);
    t.equal(r.ok, false, JSON.stringify(tls));
    if (!r.ok) {
      const e = r.errors.find((x) => x.path === path);
      t.ok(e, `an error at ${path}: ${JSON.stringify(r.errors)}`);
      t.match(e?.message ?? '', message);
    }
  }
  t.equal(load({ ca_bundle_path: certs.caCert, client_cert_path: certs.clientCert, client_key_path: certs.clientKey }).ok, true, 'good files load');
});
