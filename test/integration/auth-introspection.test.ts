// SPEC §9: opaque tokens are judged by the provider's RFC 7662 introspection endpoint, called with
// the proxy's client credentials (secret from THV_OIDC_CLIENT_SECRET); `active: false` is a 401;
// answers are cached (a client's next requests cost no call). Real provider: oidc-provider issues
// opaque tokens for its opaque resource and introspects them; revocation makes them inactive.
import t from 'tap';
import { startOidcProvider, OPAQUE_RESOURCE, type TestProvider } from '../helpers/oidcProvider.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import type { RunConfigFile } from '../../src/config/types.js';

const LIST = '{"jsonrpc":"2.0","id":7,"method":"tools/list"}';

let provider: TestProvider;
let upstream: RawUpstream;
let proxy: InProcessProxy;

t.before(async () => {
  provider = await startOidcProvider();
  upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { tools: [] }));
  const oidc = {
    issuer: provider.issuer,
    audience: OPAQUE_RESOURCE,
    introspectionURL: `${provider.issuer}/token/introspection`,
    clientID: provider.introspector.id,
    insecureAllowHTTP: true,
    allowPrivateIP: true,
  };
  process.env.THV_OIDC_CLIENT_SECRET = provider.introspector.secret;
  proxy = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc } as Partial<RunConfigFile>));
  delete process.env.THV_OIDC_CLIENT_SECRET;
});

t.teardown(async () => {
  await proxy?.close(0);
  await upstream?.close();
  await provider?.close();
});

async function call(token: string): Promise<{ status: number; challenge: unknown }> {
  const res = await postJson(proxy.url, LIST, { authorization: `Bearer ${token}` });
  return { status: res.status, challenge: res.headers['www-authenticate'] };
}

t.test('§9 an active opaque token passes; its subject is the client (RFC 9068: client_id when sub is absent)', async (t) => {
  const token = await provider.opaqueToken(provider.clients[1]);
  t.notMatch(token, /\./, 'opaque, not a JWT');
  t.equal((await call(token)).status, 200);
  await new Promise((r) => setTimeout(r, 20));
  t.equal(proxy.requestLogs().at(-1)?.sub, 'bob');
  t.equal(upstream.requests.at(-1)?.headers.authorization, undefined, 'not forwarded');
});

t.test('§9 a revoked token: introspection says inactive -> 401 invalid_token', async (t) => {
  const token = await provider.opaqueToken(provider.clients[2]);
  await provider.revoke(token, provider.clients[2]!);
  const r = await call(token);
  t.equal(r.status, 401);
  t.match(r.challenge, /error="invalid_token"$/);
  await new Promise((r) => setTimeout(r, 20));
  t.match(String(proxy.requestLogs().at(-1)?.reason), /introspection says the token is not active/);
});

t.test('§9 a made-up opaque token is inactive too; a JWT still needs a valid signature', async (t) => {
  t.equal((await call('made-up-opaque-token')).status, 401);
  t.equal((await call(await provider.token())).status, 401, 'a JWT for another audience');
});

t.test('§9 answers are cached: a token judged once is judged again without the provider', async (t) => {
  const token = await provider.opaqueToken(provider.clients[0]);
  t.equal((await call(token)).status, 200);
  // Revoking at the provider does not reach a cached answer (cached until exp, at most 5 min):
  // the documented trade-off of caching introspection.
  await provider.revoke(token, provider.clients[0]!);
  t.equal((await call(token)).status, 200, 'served from the cache');
});

t.test('§9 the introspection client secret comes from THV_OIDC_CLIENT_SECRET; a wrong one fails closed', async (t) => {
  const oidc = {
    issuer: provider.issuer,
    audience: OPAQUE_RESOURCE,
    introspectionURL: `${provider.issuer}/token/introspection`,
    clientID: provider.introspector.id,
    clientSecret: 'wrong',
    insecureAllowHTTP: true,
    allowPrivateIP: true,
  };
  const other = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc } as Partial<RunConfigFile>));
  t.teardown(() => other.close(0));
  const res = await postJson(other.url, LIST, { authorization: `Bearer ${await provider.opaqueToken(provider.clients[1])}` });
  t.equal(res.status, 401);
  await new Promise((r) => setTimeout(r, 20));
  t.match(String(other.requestLogs().at(-1)?.reason), /introspection answered HTTP 401 \(are clientID and clientSecret right\?\)/);
  t.notMatch(JSON.stringify(other.logs), /wrong/, 'the secret is never logged');
});
