// SPEC §9: the identity provider is fetched over https with the cacertPath CA (besides the system
// ones), never from a private or loopback address unless allowPrivateIP — checked on the address a
// name resolves to, not only on literals — never over http unless insecureAllowHTTP (discovered
// URLs included), and never through a redirect. Each refusal at startup is exit 3 with a sentence.
// A real HTTPS server (test CA) serves the real provider's discovery document and keys.
import t, { type Test } from 'tap';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { testCerts } from '../helpers/certs.js';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { ThvError } from '../../src/errors.js';
import type { RunConfigFile } from '../../src/config/types.js';

let provider: TestProvider;
let upstream: RawUpstream;
let server: https.Server;
let base: string;
/** What the HTTPS server answers per path: a JSON body, or a redirect. */
const routes = new Map<string, { status: number; body?: unknown; location?: string }>();

t.before(async () => {
  provider = await startOidcProvider();
  upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { tools: [] }));
  const certs = testCerts();
  server = https.createServer({ cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) }, (req, res) => {
    const route = routes.get(req.url ?? '');
    if (!route) return void res.writeHead(404).end();
    res.writeHead(route.status, { 'content-type': 'application/json', ...(route.location ? { location: route.location } : {}) });
    res.end(route.body === undefined ? '' : JSON.stringify(route.body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The provider's real keys, served over https.
  routes.set('/jwks', { status: 200, body: await (await fetch(`${provider.issuer}/jwks`)).json() });
});

t.teardown(async () => {
  server?.closeAllConnections();
  server?.close();
  await upstream?.close();
  await provider?.close();
});

function oidc(extra: Record<string, unknown>): Partial<RunConfigFile> {
  return { oidc_config: { audience: provider.audience, ...extra } } as Partial<RunConfigFile>;
}

async function startupError(t: Test, extra: Record<string, unknown>): Promise<string> {
  try {
    const proxy = await startInProcess(httpConfig(upstream.port, oidc(extra)));
    await proxy.close(0);
  } catch (err) {
    t.type(err, ThvError);
    t.equal((err as ThvError).exitCode, 3, 'exit 3: a dependency failed at startup');
    return (err as Error).message;
  }
  t.fail('the proxy started');
  return '';
}

t.test('§9 https with the cacertPath CA: keys fetched, tokens verified', async (t) => {
  const proxy = await startInProcess(httpConfig(upstream.port, oidc({ jwksurl: `${base}/jwks`, cacertPath: testCerts().caCert, allowPrivateIP: true })));
  t.teardown(() => proxy.close(0));
  const res = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { authorization: `Bearer ${await provider.token()}` });
  t.equal(res.status, 200);
});

t.test('§9 without the CA the provider\'s certificate is not trusted: exit 3', async (t) => {
  t.match(await startupError(t, { jwksurl: `${base}/jwks`, allowPrivateIP: true }), /identity provider unreachable: the JWKS at https:\/\/127\.0\.0\.1:\d+\/jwks failed: .*(certificate|self.signed|issuer)/i);
});

t.test('§9 SSRF: a name that resolves to a loopback address is refused unless allowPrivateIP', async (t) => {
  const url = `${base.replace('127.0.0.1', 'localhost')}/jwks`;
  t.match(await startupError(t, { jwksurl: url, cacertPath: testCerts().caCert }), /localhost resolves to 127\.0\.0\.1, a private, loopback or link-local address \(allowPrivateIP is off\)/);
  const proxy = await startInProcess(httpConfig(upstream.port, oidc({ jwksurl: url, cacertPath: testCerts().caCert, allowPrivateIP: true })));
  await proxy.close(0);
  t.pass('allowed with allowPrivateIP');
});

t.test('§9 discovery: a discovered jwks_uri passes the same guards; the document must name the issuer', async (t) => {
  const guards = { cacertPath: testCerts().caCert, allowPrivateIP: true };
  routes.set('/a/.well-known/openid-configuration', { status: 200, body: { issuer: `${base}/a`, jwks_uri: `${provider.issuer}/jwks` } });
  t.match(await startupError(t, { issuer: `${base}/a`, ...guards }), /the JWKS at http:\/\/127\.0\.0\.1:\d+\/jwks failed: .* is not https/);
  routes.set('/b/.well-known/openid-configuration', { status: 200, body: { issuer: 'https://elsewhere.example', jwks_uri: `${base}/jwks` } });
  t.match(await startupError(t, { issuer: `${base}/b`, ...guards }), /OIDC discovery for issuer https:\/\/127\.0\.0\.1:\d+\/b failed: .* names issuer "https:\/\/elsewhere\.example"/);
  routes.set('/d/.well-known/openid-configuration', { status: 200, body: { issuer: `${base}/d`, jwks_uri: `${base}/jwks` } });
  const proxy = await startInProcess(httpConfig(upstream.port, oidc({ issuer: `${base}/d`, ...guards })));
  t.teardown(() => proxy.close(0));
  const token = await provider.sign({ iss: `${base}/d`, aud: provider.audience, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 60 });
  t.equal((await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}', { authorization: `Bearer ${token}` })).status, 200, 'discovered over https');
});

t.test('§9 a redirect is not followed (it could point anywhere)', async (t) => {
  routes.set('/moved', { status: 302, location: `${provider.issuer}/jwks` });
  t.match(await startupError(t, { jwksurl: `${base}/moved`, cacertPath: testCerts().caCert, allowPrivateIP: true }), /answered HTTP 302/);
});
