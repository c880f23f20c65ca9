// SPEC §9, §5: the verified identity is the request's principal. Validating webhooks receive
// `principal: {"sub","iss","aud","claims"}` (null without authentication: webhook-payload tests);
// the request log names `sub`, never the token; the token reaches neither an HTTP upstream nor a
// stdio child. Real provider (oidc-provider), real webhook server, real stdio child.
import t from 'tap';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startWebhookServer, type WebhookServer } from '../helpers/webhookServer.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import type { RunConfigFile } from '../../src/config/types.js';

let provider: TestProvider;
let webhook: WebhookServer;
let upstream: RawUpstream;

t.before(async () => {
  provider = await startOidcProvider();
  webhook = await startWebhookServer();
  upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
});

t.teardown(async () => {
  await upstream?.close();
  await webhook?.close();
  await provider?.close();
});

const oidc = (): Record<string, unknown> => ({ issuer: provider.issuer, audience: provider.audience, insecureAllowHTTP: true, allowPrivateIP: true });

/** The proxy with authentication and one validating webhook (failure policy fail). */
function authenticatedWithWebhook(): ReturnType<typeof startInProcess> {
  return startInProcess(
    httpConfig(upstream.port, {
      oidc_config: oidc(),
      validating_webhooks: [{ name: 'policy', url: webhook.url, failure_policy: 'fail', tls_config: { insecure_skip_verify: true } }],
    } as Partial<RunConfigFile>),
  );
}

t.test('§5 §9 a validating webhook receives the principal: sub, iss, aud and every verified claim', async (t) => {
  const proxy = await authenticatedWithWebhook();
  t.teardown(() => proxy.close(0));
  const token = await provider.token(provider.clients[1]);
  const res = await postJson(proxy.url, '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"x":"ü"}}}', { authorization: `Bearer ${token}` });
  t.equal(res.status, 200, res.body);
  const payload = JSON.parse(webhook.calls.at(-1)!.raw.toString('utf8')) as { principal: Record<string, unknown> };
  const claims = decodeJwt(token);
  t.strictSame(payload.principal, { sub: 'bob', iss: provider.issuer, aud: provider.audience, claims }, 'principal = {sub, iss, aud, claims}');
  t.equal(webhook.calls.at(-1)!.raw.toString('utf8').includes(token), false, 'the token itself is not sent to the webhook');
  t.equal(upstream.requests.at(-1)!.headers.authorization, undefined, 'nor to the upstream');
});

t.test('§9 non-ASCII claims reach the webhook intact (the principal is UTF-8 in the payload)', async (t) => {
  const proxy = await authenticatedWithWebhook();
  t.teardown(() => proxy.close(0));
  const now = Math.floor(Date.now() / 1000);
  const token = await provider.sign({ iss: provider.issuer, aud: provider.audience, sub: 'zoë', name: 'Zoë Ñandú 東京', exp: now + 60 });
  t.equal((await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { authorization: `Bearer ${token}` })).status, 200);
  const payload = JSON.parse(webhook.calls.at(-1)!.raw.toString('utf8')) as { principal: { sub: string; claims: { name: string } } };
  t.equal(payload.principal.sub, 'zoë');
  t.equal(payload.principal.claims.name, 'Zoë Ñandú 東京');
  await new Promise((r) => setTimeout(r, 20));
  t.equal(proxy.requestLogs().at(-1)?.sub, 'zoë', 'the request log names the sub');
});

t.test('§9 a stdio child never sees the token (nothing of the HTTP headers reaches it)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thv-auth-stdio-'));
  const record = join(dir, 'received.jsonl');
  const server = fileURLToPath(new URL('../helpers/recordingStdioServer.mjs', import.meta.url));
  const file = {
    name: 'recording',
    transport: 'stdio',
    command: process.execPath,
    cmd_args: [server],
    env_vars: { RECORD_FILE: record },
    port: 0,
    oidc_config: oidc(),
  } as RunConfigFile;
  const proxy = await startInProcess(file);
  t.teardown(() => proxy.close(0));
  const token = await provider.token(provider.clients[2]);
  const client = new Client({ name: 'stdio-auth', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.endpoint), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  t.teardown(() => client.close());
  await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
  t.ok(existsSync(record), 'the child received lines');
  const received = readFileSync(record, 'utf8');
  t.match(received, /"tools\/call"/);
  t.notMatch(received, token.slice(20, 60), 'no part of the token reached the child');
  t.notMatch(received, /authorization/i);
});
