// Regression (SPEC §9): a JWT whose header has no `kid`, checked against an issuer that publishes
// two keys of its algorithm (as every issuer does mid-rotation), was refused with jose's words —
// `malformed token: multiple matching keys found in the JSON Web Key Set` — which sends an
// operator looking at the token's shape. It is still refused (which key signed it cannot be
// told; ToolHive refuses every token without a kid), with the same 401 on the wire, but the
// reason in the request log and in dry-run's verdict now says what is wrong: no kid, and how
// many keys of that algorithm the issuer publishes. With a single key, a token without kid passes.
import t from 'tap';
import { SignJWT } from 'jose';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess, writeConfigFile } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { thv } from '../helpers/dryrunCli.js';
import type { RunConfigFile } from '../../src/config/types.js';

const LIST = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
const REASON = /the token has no "kid" and the issuer publishes 2 RS256 keys/;

let provider: TestProvider;
let upstream: RawUpstream;
t.before(async () => {
  provider = await startOidcProvider();
  upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { tools: [] }));
});
t.teardown(async () => {
  await upstream?.close();
  await provider?.close();
});

const oidc = (): Record<string, unknown> => ({ issuer: provider.issuer, audience: provider.audience, insecureAllowHTTP: true, allowPrivateIP: true });

/** A token the provider's current key signed, with no kid in its header. */
async function withoutKid(): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ iss: provider.issuer, aud: provider.audience, sub: 'alice', iat: now, exp: now + 600 })
    .setProtectedHeader({ alg: provider.key.alg, typ: 'at+jwt' })
    .sign(provider.key.privateKey);
}

t.test('§9 one published key: a token without kid passes', async (t) => {
  const proxy = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc() } as Partial<RunConfigFile>));
  t.teardown(() => proxy.close(0));
  const res = await postJson(proxy.url, LIST, { authorization: `Bearer ${await withoutKid()}` });
  t.equal(res.status, 200, res.body);
});

t.test('§9 two published RS256 keys: 401 exactly as before, the reason names the missing kid', async (t) => {
  await provider.rotate({ keepPrevious: true });
  const proxy = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc() } as Partial<RunConfigFile>));
  t.teardown(() => proxy.close(0));
  const before = upstream.requests.length;
  const res = await postJson(proxy.url, LIST, { authorization: `Bearer ${await withoutKid()}` });
  t.equal(res.status, 401);
  t.equal(res.headers['www-authenticate'], `Bearer resource_metadata="${proxy.url}/.well-known/oauth-protected-resource", error="invalid_token"`, 'WWW-Authenticate of SPEC §9');
  t.equal(res.headers['content-type'], 'application/json');
  t.equal(res.body, '{"jsonrpc":"2.0","error":{"code":-32001,"message":"Unauthorized"}}', 'the body of SPEC §7, the reason not in it');
  t.equal(upstream.requests.length, before, 'nothing reached the upstream');
  await new Promise((r) => setTimeout(r, 20));
  const log = proxy.requestLogs().at(-1)!;
  t.match(String(log['reason']), REASON, String(log['reason']));
  t.notMatch(String(log['reason']), /multiple matching keys|malformed/, "not jose's words");

  const signedWithKid = await provider.sign({ iss: provider.issuer, aud: provider.audience, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 });
  t.equal((await postJson(proxy.url, LIST, { authorization: `Bearer ${signedWithKid}` })).status, 200, 'a token naming its kid still passes');

  const file = writeConfigFile({ name: 'kid', transport: 'streamable-http', target_port: 9, port: 8080, oidc_config: oidc() } as RunConfigFile);
  const dry = await thv(['dry-run', '--config', file, '--request', LIST, '--header', `Authorization: Bearer ${await withoutKid()}`]);
  t.equal(dry.code, 4, dry.stderr);
  t.match(dry.stdout, new RegExp(`^authentication: rejected: ${REASON.source}`, 'm'), dry.stdout);
  t.match(dry.stdout, /^HTTP\/1\.1 401 Unauthorized$/m);
});
