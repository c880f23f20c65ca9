#!/usr/bin/env node
// Focused micro-benchmark of authentication (issue 12; docs/performance.md "Authentication"):
// the CPU a token costs the proxy, RS256 and ES256 —
//   - a token seen for the first time: jose's jwtVerify against the cached key (no I/O), which is
//     what every new token costs, through thv-proxy's TokenVerifier;
//   - a token seen before (every MCP client reuses its token): the verifier's cache hit, and the
//     whole authentication stage's handle() on a request context.
// Uses the built code: `npm run build && node bench/auth.mjs [--iterations N]`.
// CPU is process.cpuUsage (user+system of every thread: WebCrypto verifies on libuv's pool) per
// operation; each figure is the lowest of 7 rounds (other processes only ever add to it).
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { IdpClient } from '../dist/auth/idpClient.js';
import { JwksCache } from '../dist/auth/jwks.js';
import { TokenVerifier } from '../dist/auth/tokenVerifier.js';
import { AuthenticationStage } from '../dist/auth/middleware.js';
import { silentLogger } from '../dist/observability/logger.js';

const iterations = Number(process.argv[process.argv.indexOf('--iterations') + 1]) || 2000;
const ISS = 'https://idp.example.com';
const AUD = 'https://mcp.example.com/mcp';

async function lowestOf7(fn, n) {
  const rounds = [];
  for (let r = 0; r < 7; r++) {
    const start = process.cpuUsage();
    await fn(n, r);
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / n);
  }
  return Math.min(...rounds);
}

async function measure(alg) {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  const jwk = { ...(await exportJWK(publicKey)), kid: `k-${alg}`, alg, use: 'sig' };
  const server = http.createServer((_q, s) => s.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/jwks`;
  const client = new IdpClient({ ca: undefined, allowPrivateIp: true, insecureAllowHttp: true, authTokenFile: undefined });
  const jwks = new JwksCache(client, silentLogger());
  await jwks.load(url);
  const expected = { issuer: ISS, audience: AUD };
  const exp = Math.floor(Date.now() / 1000) + 3600;
  const sign = (sub) => new SignJWT({ scope: 'openid', email: `${sub}@example.com`, groups: ['a', 'b'] })
    .setProtectedHeader({ alg, kid: jwk.kid, typ: 'at+jwt' }).setIssuer(ISS).setAudience(AUD).setSubject(sub).setIssuedAt().setExpirationTime(exp).sign(privateKey);

  // Distinct tokens, so every verification is a real one (a fresh verifier per round: empty cache).
  const tokens = [];
  for (let r = 0; r < 7; r++) {
    const batch = [];
    for (let i = 0; i < iterations; i++) batch.push(await sign(`u${r}-${i}`));
    tokens.push(batch);
  }
  const first = await lowestOf7(async (n, r) => {
    const v = new TokenVerifier(jwks, null, { expected });
    for (let i = 0; i < n; i++) {
      const verdict = await v.verify(tokens[r][i]);
      if (!verdict.ok) throw new Error(verdict.reason);
    }
  }, iterations);

  const same = await sign('alice');
  const v = new TokenVerifier(jwks, null, { expected });
  await v.verify(same);
  const hit = await lowestOf7(async (n) => {
    for (let i = 0; i < n; i++) if (!v.verify(same).ok) throw new Error('cache hit failed');
  }, iterations * 50);

  // The stage itself, as the server calls it: Authorization parsed, verdict, principal set.
  const stage = new AuthenticationStage(
    { settings: { issuer: undefined, audience: AUD, jwksUrl: url, clientId: undefined, clientSecret: undefined, introspectionUrl: undefined, ca: undefined, authTokenFile: undefined, allowPrivateIp: true, insecureAllowHttp: true, resourceUrl: undefined, scopes: ['openid'] }, resource: { trustProxyHeaders: false, endpointPath: '/mcp', listenAuthority: '127.0.0.1:8080' } },
    { logger: silentLogger() },
  );
  await stage.start();
  const ctx = { headers: { host: '127.0.0.1:8080', authorization: `Bearer ${same}` }, mcp: null, trace: null, note: null, principal: null };
  await stage.handle(ctx);
  const handle = await lowestOf7(async (n) => {
    for (let i = 0; i < n; i++) {
      // A new header string per request, as node's parser makes one (no cached string hash).
      ctx.headers.authorization = `Bearer ${same}${i < 0 ? ' ' : ''}`;
      const r = stage.handle(ctx);
      if (r !== undefined) throw new Error('rejected');
    }
  }, iterations * 50);

  await stage.close();
  await client.close();
  server.close();
  return { alg, first, hit, handle };
}

const rows = [];
for (const alg of ['RS256', 'ES256']) rows.push(await measure(alg));
console.log(`node ${process.version}, ${iterations} tokens per round, lowest of 7 rounds, CPU of all threads\n`);
console.log('| algorithm | new token: verify against the cached key | same token again: verifier cache hit | same token, new header string: whole stage handle() |');
console.log('|---|---|---|---|');
for (const r of rows) console.log(`| ${r.alg} | ${r.first.toFixed(1)} µs | ${r.hit.toFixed(2)} µs | ${r.handle.toFixed(2)} µs |`);
