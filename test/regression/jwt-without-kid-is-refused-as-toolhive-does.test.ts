// Regression (SPEC §9, ToolHive parity): a JWT whose header has no `kid` passed here when the
// issuer published one key of its algorithm, while ToolHive's validator refuses every such token
// ("token header missing kid") — one token, two verdicts across a mixed fleet. Against an issuer
// publishing two keys (as every issuer does mid-rotation) it was refused with jose's words,
// `malformed token: multiple matching keys found in the JSON Web Key Set`. Now it is refused
// either way, with SPEC §9's 401 on the wire, and the reason in the request log and in dry-run's
// verdict says what is wrong: no kid. A token naming its kid passes as before.
import t from 'tap';
import type * as Tap from 'tap';
import { SignJWT } from 'jose';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess, writeConfigFile } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { thv } from '../helpers/dryrunCli.js';
import type { RunConfigFile } from '../../src/config/types.js';

const LIST = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
const REASON = /the token has no "kid" in its header: .*ToolHive refuses such tokens too/;

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

/** The 401 of SPEC §9 for a token that was sent, nothing upstream, and the reason logged. */
async function refusedNoKid(t: Tap.Test, proxy: Awaited<ReturnType<typeof startInProcess>>): Promise<void> {
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
}

t.test('§9 one published key: a token without kid is refused, as ToolHive refuses it', async (t) => {
  const proxy = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc() } as Partial<RunConfigFile>));
  t.teardown(() => proxy.close(0));
  await refusedNoKid(t, proxy);
  const signedWithKid = await provider.sign({ iss: provider.issuer, aud: provider.audience, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 });
  t.equal((await postJson(proxy.url, LIST, { authorization: `Bearer ${signedWithKid}` })).status, 200, 'a token naming its kid passes');
});

t.test('§9 two published RS256 keys: the same 401, the reason names the missing kid, dry-run says so', async (t) => {
  await provider.rotate({ keepPrevious: true });
  const proxy = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc() } as Partial<RunConfigFile>));
  t.teardown(() => proxy.close(0));
  await refusedNoKid(t, proxy);

  const signedWithKid = await provider.sign({ iss: provider.issuer, aud: provider.audience, sub: 'alice', exp: Math.floor(Date.now() / 1000) + 600 });
  t.equal((await postJson(proxy.url, LIST, { authorization: `Bearer ${signedWithKid}` })).status, 200, 'a token naming its kid still passes');

  const file = writeConfigFile({ name: 'kid', transport: 'streamable-http', target_port: 9, port: 8080, oidc_config: oidc() } as RunConfigFile);
  const dry = await thv(['dry-run', '--config', file, '--request', LIST, '--header', `Authorization: Bearer ${await withoutKid()}`]);
  t.equal(dry.code, 4, dry.stderr);
  t.match(dry.stdout, new RegExp(`^authentication: rejected: ${REASON.source}`, 'm'), dry.stdout);
  t.match(dry.stdout, /^HTTP\/1\.1 401 Unauthorized$/m);
});
