// SPEC §9 verifier, past the HTTP layer (node's 16 KiB header bound answers 431 before the proxy
// reads a larger Authorization header): a 1 MB token and a 10 000-claim token get a clear verdict
// quickly; a token verified once is judged again from the cache, with its time claims re-checked
// on every hit; the caches are bounded.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { JwksCache } from '../../../src/auth/jwks.js';
import { IdpClient } from '../../../src/auth/idpClient.js';
import { TokenVerifier } from '../../../src/auth/tokenVerifier.js';
import { BoundedCache } from '../../../src/auth/boundedCache.js';
import { silentLogger } from '../../../src/observability/logger.js';

const ISS = 'https://idp.example.com';
const AUD = 'https://mcp.example.com/mcp';
let priv: CryptoKey;
let url = '';
let server: http.Server;

t.before(async () => {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  priv = privateKey;
  const pub = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  server = http.createServer((_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [pub] })));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
t.teardown(() => server.close());

async function verifier(clock: { now: number }): Promise<TokenVerifier> {
  const client = new IdpClient({ ca: undefined, allowPrivateIp: true, insecureAllowHttp: true, authTokenFile: undefined });
  t.teardown(() => client.close());
  const jwks = new JwksCache(client, silentLogger(), { now: () => clock.now });
  await jwks.load(url);
  return new TokenVerifier(jwks, null, { expected: { issuer: ISS, audience: AUD }, now: () => clock.now });
}

function sign(claims: Record<string, unknown>, kid = 'k1', key: CryptoKey = priv): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
}

t.test('bad input: a 1 MB token gets a clear verdict, fast', async (t) => {
  const v = await verifier({ now: Date.now() });
  const segment = 'A'.repeat(350_000);
  for (const [token, why] of [
    [`${segment}.${segment}.${segment}`, /malformed token/],
    ['x'.repeat(1 << 20), /not a JWT, and no introspectionURL/],
  ] as const) {
    const started = performance.now();
    const verdict = await v.verify(token);
    t.equal(verdict.ok, false);
    t.match(!verdict.ok && verdict.reason, why);
    t.ok(performance.now() - started < 1000, `decided in ${(performance.now() - started).toFixed(0)} ms`);
  }
});

t.test('bad input: a token with 10 000 claims — refused when not the issuer\'s, accepted when it is', async (t) => {
  const clock = { now: Date.now() };
  const v = await verifier(clock);
  const claims: Record<string, unknown> = { iss: ISS, aud: AUD, sub: 'alice', exp: Math.floor(clock.now / 1000) + 60 };
  for (let i = 0; i < 10_000; i++) claims[`c${i}`] = i;
  const { privateKey: stranger } = await generateKeyPair('RS256');
  let started = performance.now();
  const forged = await v.verify(await sign(claims, 'k1', stranger));
  t.match(!forged.ok && forged.reason, /signature does not verify/);
  t.ok(performance.now() - started < 2000, `refused in ${(performance.now() - started).toFixed(0)} ms`);
  started = performance.now();
  const real = await v.verify(await sign(claims));
  t.equal(real.ok, true, 'the issuer may put what it likes in its tokens');
  t.equal(real.ok && Object.keys(real.principal.claims).length, 10_004);
  t.ok(performance.now() - started < 2000, `verified in ${(performance.now() - started).toFixed(0)} ms`);
});

t.test('§9 a verified token is judged from the cache, synchronously; exp is re-checked on every hit', async (t) => {
  const clock = { now: 1_800_000_000_000 };
  const v = await verifier(clock);
  const exp = clock.now / 1000 + 120;
  const token = await sign({ iss: ISS, aud: AUD, sub: 'alice', exp });
  const first = v.verify(token);
  t.ok(first instanceof Promise, 'first sight: verified (async)');
  t.equal((await first).ok, true);
  const again = v.verify(token);
  t.notOk(again instanceof Promise, 'then from the cache, without a promise');
  t.equal((again as { ok: boolean }).ok, true);
  clock.now += 179_000; // exp + 59 s: still inside the skew
  t.equal((v.verify(token) as { ok: boolean }).ok, true);
  clock.now += 2_000; // exp + 61 s
  const late = await v.verify(token);
  t.equal(late.ok, false);
  t.match(!late.ok && late.reason, /expired at/);
});

t.test('the caches are bounded: past the cap the oldest entry goes', async (t) => {
  const c = new BoundedCache<number>(3);
  for (let i = 0; i < 5; i++) c.set(`k${i}`, i, 100);
  t.equal(c.size, 3);
  t.equal(c.get('k0', 0), undefined);
  t.equal(c.get('k4', 0), 4);
  t.equal(c.get('k4', 100), undefined, 'expired at its deadline');
  t.equal(c.size, 2, 'and dropped');
});
