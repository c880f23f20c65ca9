// Regression (SPEC §9, §2): an issuer configured without the trailing slash its provider uses
// (or with one it does not use) passed discovery — the check ignored trailing slashes — and the
// proxy served, refusing every token afterwards ("issuer ".../" is not the configured "..."").
// OpenID Connect Discovery §4.3 wants the document's issuer identical to the configured one, and
// tokens carry that exact string: a mismatch now fails startup (exit 3) with a sentence that says
// what to write.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli, writeConfigFile } from '../helpers/proxy.js';

async function provider(named: (origin: string) => string): Promise<{ origin: string; close(): Promise<void> }> {
  let origin = '';
  const server = http.createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ issuer: named(origin), jwks_uri: `${origin}/jwks` }));
    } else if (req.url === '/jwks') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"keys":[]}');
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const config = (issuer: string) =>
  writeConfigFile({ name: 'iss', transport: 'streamable-http', target_port: 9, port: 0, oidc_config: { issuer, insecureAllowHTTP: true, allowPrivateIP: true } });

for (const [what, configured, named] of [
  ['configured without the slash the provider names', (o: string) => o, (o: string) => `${o}/`],
  ['configured with a slash the provider does not name', (o: string) => `${o}/`, (o: string) => o],
] as const) {
  t.test(`§9 issuer ${what}: exit 3 at startup, saying what to write`, async (t) => {
    const idp = await provider(named);
    t.teardown(() => idp.close());
    const r = await runCli(['run', '--config', config(configured(idp.origin))], 10_000);
    t.equal(r.code, 3, r.stderr);
    t.match(r.stderr, `names issuer "${named(idp.origin)}"`);
    t.match(r.stderr, /trailing slash/);
    t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });
}
