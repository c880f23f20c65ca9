// SPEC §9, §7: which bearer tokens pass the authentication stage, against a real OpenID Provider
// (oidc-provider) on 127.0.0.1. Valid provider-issued tokens pass and reach the upstream without
// the Authorization header; every bad token gets a 401 with exactly SPEC §9's WWW-Authenticate
// and the JSON-RPC -32001 body, and the request log names the check that failed. Tokens a
// provider would never issue are signed here with the provider's own key.
import t, { type Test } from 'tap';
import { createPublicKey } from 'node:crypto';
import { generateKeyPair, SignJWT } from 'jose';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { rawPost, rawRequest } from '../helpers/rawSocket.js';
import type { RunConfigFile } from '../../src/config/types.js';

const LIST = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

let provider: TestProvider;
let upstream: RawUpstream;
let proxy: InProcessProxy;

function b64url(v: unknown): string {
  return Buffer.from(JSON.stringify(v)).toString('base64url');
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** Claims of a token this provider would issue for alice, valid for 10 minutes. */
function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: provider.issuer, aud: provider.audience, sub: 'alice', iat: now(), exp: now() + 600, scope: 'openid', ...extra };
}

t.before(async () => {
  provider = await startOidcProvider();
  upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { tools: [] }));
  const oidc = { issuer: provider.issuer, audience: provider.audience, insecureAllowHTTP: true, allowPrivateIP: true };
  proxy = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc } as Partial<RunConfigFile>));
});

t.teardown(async () => {
  await proxy?.close(0);
  await upstream?.close();
  await provider?.close();
});

const metadataUrl = (): string => `${proxy.url}/.well-known/oauth-protected-resource`;

function lastLog(): Record<string, unknown> {
  return proxy.requestLogs().at(-1) ?? {};
}

async function expect401(t: Test, authorization: string | undefined, reason: RegExp): Promise<void> {
  const before = upstream.requests.length;
  const res = await postJson(proxy.url, LIST, authorization === undefined ? {} : { authorization });
  t.equal(res.status, 401, 'status 401');
  const challenge = authorization === undefined || !/^bearer /i.test(authorization) ? `Bearer resource_metadata="${metadataUrl()}"` : `Bearer resource_metadata="${metadataUrl()}", error="invalid_token"`;
  t.equal(res.headers['www-authenticate'], challenge, 'WWW-Authenticate exactly as SPEC §9');
  t.equal(res.headers['content-type'], 'application/json');
  t.strictSame(JSON.parse(res.body), { jsonrpc: '2.0', error: { code: -32001, message: 'Unauthorized' } }, 'JSON-RPC -32001, no id (nothing was parsed)');
  t.equal(upstream.requests.length, before, 'nothing reached the upstream');
  await new Promise((r) => setTimeout(r, 20));
  const log = lastLog();
  t.equal(log.status, 401);
  t.equal(log.rejectedBy, 'authentication');
  t.match(String(log.reason), reason, 'the request log says which check failed');
  t.notMatch(JSON.stringify(proxy.logs), authorization && authorization.length > 20 ? authorization.slice(7) : /^$/, 'the token is never logged');
}

t.test('§9 a token issued by the provider passes; the upstream never sees Authorization', async (t) => {
  const token = await provider.token();
  const res = await postJson(proxy.url, LIST, { authorization: `Bearer ${token}` });
  t.equal(res.status, 200, res.body);
  const seen = upstream.requests.at(-1)!;
  t.equal(seen.headers.authorization, undefined, 'Authorization stripped');
  t.notOk(seen.rawHeaders.some((h) => h.toLowerCase() === 'authorization'), 'not even as a raw header');
  await new Promise((r) => setTimeout(r, 20));
  t.equal(lastLog().sub, 'alice', 'the request log names the sub');
  t.notMatch(JSON.stringify(proxy.logs), token, 'the token is never logged');
  // The scheme is case-insensitive (RFC 7235), and the same token is judged again from cache.
  const again = await postJson(proxy.url, LIST, { authorization: `bearer ${token}` });
  t.equal(again.status, 200);
});

t.test('§9 no token: 401 without error="invalid_token"; another scheme counts as none', async (t) => {
  await expect401(t, undefined, /no bearer token/);
  await expect401(t, 'Basic YWxpY2U6c2VjcmV0', /no bearer token/);
});

t.test('§9 garbage and an empty bearer token: 401 invalid_token', async (t) => {
  await expect401(t, 'Bearer garbage', /not a JWT, and no introspectionURL/);
  await expect401(t, 'Bearer ', /empty bearer token/);
  await expect401(t, 'Bearer a.b.c', /malformed token/);
});

t.test('§9 expired and not-yet-valid tokens (60 s of skew allowed each way)', async (t) => {
  await expect401(t, `Bearer ${await provider.sign(claims({ iat: now() - 900, exp: now() - 120 }))}`, /expired at .*60 s of skew/);
  await expect401(t, `Bearer ${await provider.sign(claims({ nbf: now() + 300 }))}`, /not valid before .*60 s of skew/);
  // Within the skew: expired 30 s ago, valid in 30 s — both accepted.
  for (const c of [claims({ exp: now() - 30 }), claims({ nbf: now() + 30 })]) {
    const res = await postJson(proxy.url, LIST, { authorization: `Bearer ${await provider.sign(c)}` });
    t.equal(res.status, 200, 'within the clock skew');
  }
  await expect401(t, `Bearer ${await provider.sign(claims({ exp: undefined }))}`, /"exp"/);
});

t.test('§9 wrong audience, wrong issuer, no sub', async (t) => {
  await expect401(t, `Bearer ${await provider.sign(claims({ aud: 'http://other.test/mcp' }))}`, /audience "http:\/\/other.test\/mcp" does not include "http:\/\/mcp.test\/mcp"/);
  await expect401(t, `Bearer ${await provider.token(provider.clients[0], 'http://other.test/mcp')}`, /audience/);
  await expect401(t, `Bearer ${await provider.sign(claims({ iss: 'https://evil.example' }))}`, /issuer "https:\/\/evil.example" is not the configured/);
  await expect401(t, `Bearer ${await provider.sign(claims({ sub: undefined }))}`, /sub/);
});

t.test('§9 alg none and HS256 "signed" with the public key are refused before any key lookup', async (t) => {
  const hitsBefore = provider.jwksHits;
  const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims())}.`;
  await expect401(t, `Bearer ${none}`, /only asymmetric algorithms/);
  // The classic confusion attack: the RSA public key (as PEM, and as the JWK's n) used as an HMAC secret.
  const pem = createPublicKey({ key: provider.key.publicJwk as never, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  const secrets = [Buffer.from(pem), Buffer.from(String(provider.key.publicJwk.n))];
  for (const secret of secrets) {
    const hs = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: provider.key.kid }).sign(secret);
    await expect401(t, `Bearer ${hs}`, /HS256.*only asymmetric algorithms/);
  }
  t.equal(provider.jwksHits, hitsBefore, 'no JWKS fetch for a refused algorithm');
});

t.test('§9 a bad signature, and a key the issuer never published (unknown kid)', async (t) => {
  const good = await provider.sign(claims());
  const [header, , signature] = good.split('.');
  const forged = `${header}.${b64url(claims({ sub: 'mallory' }))}.${signature}`;
  await expect401(t, `Bearer ${forged}`, /signature does not verify/);
  const { privateKey } = await generateKeyPair('RS256');
  const foreign = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'not-published' }).sign(privateKey);
  await expect401(t, `Bearer ${foreign}`, /no key of the issuer's JWKS matches/);
});

t.test('bad input: a token as large as the header bound allows is a clear 401; a 1 MB one is the HTTP layer\'s 431', async (t) => {
  // node's default header bound (16 KiB, SPEC §14) is what lets a token in: just under it, the
  // verifier judges it; a 1 MB one is refused before the proxy reads it (431, connection closed).
  const big = `${'A'.repeat(4000)}.${'B'.repeat(4000)}.${'C'.repeat(4000)}`;
  await expect401(t, `Bearer ${big}`, /malformed token/);
  const host = new URL(proxy.url).host;
  const huge = rawPost('/mcp', [`Host: ${host}`, 'Content-Type: application/json', `Authorization: Bearer ${'x'.repeat(1 << 20)}`], LIST);
  const res = await rawRequest(proxy.url, huge);
  t.equal(res.status, 431, 'Request Header Fields Too Large, before any verification');
  t.equal((await postJson(proxy.url, LIST, { authorization: `Bearer ${await provider.token()}` })).status, 200, 'the proxy serves on');
});
