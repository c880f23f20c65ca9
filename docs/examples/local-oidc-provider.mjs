// A local OpenID Provider for trying thv-proxy's authentication (docs/authentication.md): the
// certified `oidc-provider` package (a devDependency of thv-proxy) on http://127.0.0.1:9000,
// issuing client-credentials JWT access tokens (RS256) for the resource the client asks for
// (RFC 8707 resource indicators). Clients: alice/alice-secret, bob/bob-secret.
//
//   node docs/examples/local-oidc-provider.mjs            # from the repository root
//   curl -s -u alice:alice-secret -d grant_type=client_credentials \
//        -d resource=http://127.0.0.1:8080/mcp http://127.0.0.1:9000/token
//
// Development only: in-memory state, keys made at start (a restart rotates them).

import { exportJWK, generateKeyPair } from 'jose';
import Provider from 'oidc-provider';

const PORT = Number(process.env.PORT ?? 9000);
const issuer = `http://127.0.0.1:${PORT}`;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: `local-${Date.now().toString(36)}`, alg: 'RS256', use: 'sig' };

const clients = ['alice', 'bob'].map((id) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  id_token_signed_response_alg: 'RS256',
}));

const provider = new Provider(issuer, {
  clients,
  jwks: { keys: [jwk] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'http://127.0.0.1:8080/mcp',
      useGrantedResource: () => true,
      // Every resource gets JWT access tokens whose aud is that resource.
      getResourceServerInfo: (_ctx, resource) => ({ scope: 'openid', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
    },
  },
  ttl: { ClientCredentials: 600 },
});

provider.listen(PORT, '127.0.0.1');
console.log(`OpenID Provider at ${issuer} (discovery: ${issuer}/.well-known/openid-configuration); clients alice, bob`);
