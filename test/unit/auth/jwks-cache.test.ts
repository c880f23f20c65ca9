// SPEC §9 JWKS cache, on a moved clock against a real HTTP JWKS endpoint: an unknown kid refetches
// at most once per cool-down (concurrent lookups share one fetch); a set older than 10 min is
// refreshed in the background while the request goes on with the keys held; a failed refresh
// keeps them; HMAC keys in the set are never used.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, jwtVerify, type JWK, type CryptoKey } from 'jose';
import { JwksCache } from '../../../src/auth/jwks.js';
import { IdpClient } from '../../../src/auth/idpClient.js';
import { silentLogger } from '../../../src/observability/logger.js';

interface Key {
  kid: string;
  priv: CryptoKey;
  pub: JWK;
}

async function key(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return { kid, priv: privateKey, pub: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

let published: JWK[] = [];
let hits = 0;
let down = false;
let delayMs = 0;
let url = '';
const server = http.createServer((_req, res) => {
  hits++;
  setTimeout(() => {
    if (down) return void res.writeHead(500).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
  }, delayMs);
});
t.before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
});
t.teardown(() => server.close());

function cache(clock: { now: number }): { jwks: JwksCache; client: IdpClient } {
  const client = new IdpClient({ ca: undefined, allowPrivateIp: true, insecureAllowHttp: true, authTokenFile: undefined });
  t.teardown(() => client.close());
  return { jwks: new JwksCache(client, silentLogger(), { now: () => clock.now }), client };
}

async function verifies(jwks: JwksCache, k: Key): Promise<boolean> {
  const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256', kid: k.kid }).sign(k.priv);
  try {
    await jwtVerify(token, jwks.getKey, { algorithms: ['ES256'] });
    return true;
  } catch {
    return false;
  }
}

t.test('§9 an unknown kid refetches at most once per 30 s; concurrent lookups share one fetch', async (t) => {
  const [a, b, c] = [await key('a'), await key('b'), await key('c')];
  published = [a.pub];
  hits = 0;
  const clock = { now: 1_000_000 };
  const { jwks } = cache(clock);
  await jwks.load(url);
  t.equal(hits, 1);
  t.ok(await verifies(jwks, a));
  published = [a.pub, b.pub];
  t.notOk(await verifies(jwks, b), 'within the cool-down: no refetch, refused');
  t.equal(hits, 1);
  clock.now += 30_000;
  delayMs = 50;
  const results = await Promise.all([verifies(jwks, b), verifies(jwks, b), verifies(jwks, c)]);
  delayMs = 0;
  t.strictSame(results, [true, true, false], 'b found after one refetch; c is still unknown');
  t.equal(hits, 2, 'three concurrent unknown-kid lookups, one fetch');
  t.notOk(await verifies(jwks, c));
  t.equal(hits, 2, 'and no more until the cool-down has passed again');
});

t.test('§9 a set older than 10 min is refreshed in the background; a failed refresh keeps the keys', async (t) => {
  const a = await key('a2');
  published = [a.pub];
  hits = 0;
  const clock = { now: 5_000_000 };
  const { jwks } = cache(clock);
  await jwks.load(url);
  clock.now += 600_000;
  down = true;
  t.ok(await verifies(jwks, a), 'the stale set still verifies while the refresh fails');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(hits, 2, 'one background refresh was tried');
  t.ok(await verifies(jwks, a), 'keys kept after the failed refresh');
  t.equal(hits, 2, 'the failed attempt counts for the cool-down: no retry on every request');
  down = false;
  published = [(await key('other')).pub];
  clock.now += 30_000;
  t.ok(await verifies(jwks, a), 'this request still uses the keys held');
  await new Promise((r) => setTimeout(r, 50));
  t.equal(hits, 3);
  t.notOk(await verifies(jwks, a), 'after the refresh, a key the issuer removed is gone');
});

t.test('§9 symmetric (oct) keys in a JWKS are dropped: never HMAC', async (t) => {
  const a = await key('a3');
  published = [{ kty: 'oct', k: Buffer.from('secret').toString('base64url'), kid: 'hmac', alg: 'HS256' }, a.pub];
  const { jwks } = cache({ now: 9e9 });
  await jwks.load(url);
  t.strictSame(jwks.kids, ['a3']);
  const hs = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'HS256', kid: 'hmac' }).sign(Buffer.from('secret'));
  await t.rejects(jwtVerify(hs, jwks.getKey), 'HS256 with a published oct key is refused');
});

t.test('§9 the first fetch failing is the caller\'s error (startup: exit 3)', async (t) => {
  down = true;
  const { jwks } = cache({ now: 0 });
  await t.rejects(jwks.load(url), /answered HTTP 500/);
  down = false;
  published = [];
  const { jwks: notAJwks } = cache({ now: 0 });
  const bad = http.createServer((_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":"nope"}'));
  await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
  t.teardown(() => bad.close());
  await t.rejects(notAJwks.load(`http://127.0.0.1:${(bad.address() as AddressInfo).port}/`), /is not a JWKS/);
});
