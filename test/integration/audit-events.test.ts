// SPEC §12 audit_config: one event per request in ToolHive's format, to logFile: who (sub, client
// address), what (type, method, tool), outcome success / denied (401, 403) / failure (429, 502),
// duration; request and response data only when asked, cut at maxDataSize; never a token.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startInProcess, httpConfig } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { startWebhookServer } from '../helpers/webhookServer.js';
import { testCerts } from '../helpers/certs.js';
import { postJson } from '../helpers/http.js';

const TOKEN_MARK = 'tok';

async function jwksServer(): Promise<{ url: string; issuer: string; sign(sub: string, extra?: Record<string, unknown>): Promise<string>; close(): Promise<void> }> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${base}/jwks`,
    issuer: base,
    sign: (sub, extra = {}) =>
      new SignJWT({ ...extra, jti: TOKEN_MARK })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setSubject(sub)
        .setIssuer(base)
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const call = (id: number, tool: string, args: unknown = {}): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: args } });

t.test('§12 audit events for an allowed call, a 401, a 403, a 429 and a 502, to logFile', async (t) => {
  const idp = await jwksServer();
  t.teardown(() => idp.close());
  const upstream = await startRawUpstream((req, res, body) => {
    if (body.includes('"crash"')) return void req.socket.destroy(); // no answer at all: 502
    jsonResult(res, body, { content: [{ type: 'text', text: 'x'.repeat(300) }] });
  });
  t.teardown(() => upstream.close());
  const certs = testCerts();
  const webhook = await startWebhookServer({ tls: 'ca', behaviour: 'custom' });
  webhook.respond = (p) => ({ status: 200, body: { version: 'v0.1.0', uid: p.uid, allowed: p.mcp_request.params?.name !== 'forbidden' } });
  t.teardown(() => webhook.close());
  const dir = mkdtempSync(join(tmpdir(), 'thv-audit-'));
  const logFile = join(dir, 'audit.log');

  const proxy = await startInProcess(
    httpConfig(upstream.port, {
      oidc_config: { issuer: idp.issuer, jwksurl: idp.url, insecureAllowHTTP: true, allowPrivateIP: true },
      rate_limit_config: { tools: [{ name: 'limited', shared: { maxTokens: 1, refillPeriod: '1h' } }] },
      validating_webhooks: [{ name: 'policy', url: webhook.url, failure_policy: 'fail', tls_config: { ca_bundle_path: certs.caCert } }],
      audit_config: { logFile, includeRequestData: true, includeResponseData: true, maxDataSize: 64, component: 'search-audit' },
    }),
    { store: 'memory' },
  );
  let closed = false;
  t.teardown(() => (closed ? undefined : proxy.close(0)));

  const token = await idp.sign('alice', { preferred_username: 'alice@example.com' });
  const auth = { authorization: `Bearer ${token}`, 'user-agent': 'audit-test/1.0', 'x-request-id': 'req-1' };
  const bigArgs = { q: 'y'.repeat(200) };
  const statuses = [
    (await postJson(proxy.url, call(1, 'search', bigArgs), auth)).status,
    (await postJson(proxy.url, call(2, 'search'))).status, // no token
    (await postJson(proxy.url, call(3, 'forbidden'), auth)).status,
    (await postJson(proxy.url, call(4, 'limited'), auth)).status,
    (await postJson(proxy.url, call(5, 'limited'), auth)).status,
    (await postJson(proxy.url, call(6, 'crash'), auth)).status,
  ];
  t.strictSame(statuses, [200, 401, 403, 200, 429, 502]);
  await proxy.close(1000); // the writer flushes at shutdown
  closed = true;

  t.equal(statSync(logFile).mode & 0o777, 0o600, 'created with mode 0600, as ToolHive');
  const events = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  t.equal(events.length, 6, 'one event per request');
  const [ok, unauth, denied, , limited, failed] = events as [Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>];

  t.match(ok, {
    level: 'AUDIT',
    msg: 'audit_event',
    type: 'mcp_tool_call',
    outcome: 'success',
    component: 'search-audit',
    source: { type: 'network', value: '127.0.0.1', extra: { user_agent: 'audit-test/1.0', request_id: 'req-1' } },
    subjects: { user_id: 'alice', user: 'alice@example.com' },
    target: { endpoint: '/mcp', method: 'tools/call', name: 'search', type: 'tool' },
    metadata: { extra: { transport: 'http', status_code: 200 } },
  });
  t.match(ok.audit_id, /^[0-9a-f-]{36}$/);
  t.type(ok.metadata.extra.duration_ms, 'number');
  t.type(ok.data.request, 'string', 'request over maxDataSize: the cut text');
  t.equal(Buffer.byteLength(ok.data.request as string), 64, 'cut at maxDataSize');
  t.equal(ok.data.request_truncated, true);
  t.equal(Buffer.byteLength(ok.data.response as string), 64, 'response cut at maxDataSize too');
  t.equal(ok.data.response_truncated, true);
  t.ok(ok.metadata.extra.response_size_bytes > 64, 'the whole response size is recorded');

  t.match(unauth, { type: 'http_request', outcome: 'denied', subjects: { user: 'anonymous' }, metadata: { extra: { status_code: 401 } } }, '401: denied (authentication runs before the parser, so the type is http_request, as in ToolHive)');
  t.match(denied, { type: 'mcp_tool_call', outcome: 'denied', target: { name: 'forbidden' }, metadata: { extra: { status_code: 403 } } }, '403 from the webhook: denied');
  t.match(limited, { type: 'mcp_tool_call', outcome: 'failure', target: { name: 'limited' }, metadata: { extra: { status_code: 429 } } }, '429: failure');
  t.match(failed, { outcome: 'failure', metadata: { extra: { status_code: 502 } } }, '502: failure');

  const text = readFileSync(logFile, 'utf8');
  t.notMatch(text, new RegExp(token.split('.')[2]!), 'the token never appears');
  t.notMatch(text, /Bearer/);
});

t.test('§12 audit to stdout, filtered by eventTypes, no data unless asked', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, {}));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port, { audit_config: { eventTypes: ['mcp_tool_call'] } }));
  await postJson(proxy.url, call(1, 'search', { secret: 'argument-value' }));
  await postJson(proxy.url, JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }));
  await proxy.close(1000);
  const audit = proxy.logs.filter((l) => l.msg === 'audit_event');
  t.equal(audit.length, 1, 'tools/list is not in eventTypes');
  t.match(audit[0], { type: 'mcp_tool_call', component: 'test-server', outcome: 'success' }, 'component defaults to the server name');
  t.equal(audit[0]!.data, undefined, 'no data unless includeRequestData / includeResponseData');
  t.notMatch(JSON.stringify(audit), /argument-value/);
});
