// A static identity provider for the authentication scenario: one RS256 key made at start,
// OIDC discovery and JWKS as a real issuer serves them, and GET /token?sub=<id> minting a day-long
// access token for audience "bench" (what a provider's token endpoint would hand a client). The
// proxy under test fetches discovery and keys once at startup; during the load only the token
// the loader sends is judged, as with any real provider.
import http from 'node:http';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const port = Number(process.env.PORT);
const issuer = `http://127.0.0.1:${port}`;
const alg = process.env.ALG ?? 'RS256';
const { privateKey, publicKey } = await generateKeyPair(alg);
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench-1', alg, use: 'sig' };
const discovery = JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks`, token_endpoint: `${issuer}/token`, id_token_signing_alg_values_supported: [alg] });
const jwks = JSON.stringify({ keys: [jwk] });

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, issuer);
    const json = (body) => res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    if (url.pathname === '/.well-known/openid-configuration') return json(discovery);
    if (url.pathname === '/jwks') return json(jwks);
    if (url.pathname === '/token') {
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ scope: 'openid' })
        .setProtectedHeader({ alg, kid: jwk.kid, typ: 'at+jwt' })
        .setIssuer(issuer).setAudience('bench').setSubject(url.searchParams.get('sub') ?? 'bench-user')
        .setIssuedAt(now).setExpirationTime(now + 86_400).sign(privateKey);
      return json(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 86_400 }));
    }
    res.writeHead(404).end();
  })
  .listen(port, '127.0.0.1', () => console.log(`idp listening on ${port}`));
