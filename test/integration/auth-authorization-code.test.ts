// SPEC §9 with the MCP authorization flow a person uses: the official MCP SDK client with its
// OAuth support meets the proxy's 401, follows the RFC 9728 metadata to the real provider
// (oidc-provider), registers itself (dynamic client registration), sends the user to log in
// (automated here: the provider's development login and consent pages), exchanges the code
// with PKCE for a token for this resource (RFC 8707), and calls tools as that user.
import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { browserLogin, startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startEverything, type EverythingServer } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { freePort } from '../helpers/ports.js';
import type { RunConfigFile } from '../../src/config/types.js';

const CALLBACK = 'http://127.0.0.1:9/callback';

/** What an MCP client app keeps: its registration, the PKCE verifier, the tokens. */
class MemoryOAuthClient implements OAuthClientProvider {
  info: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = '';
  authorizationUrl: URL | undefined;
  get redirectUrl(): string {
    return CALLBACK;
  }
  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'auth-code-test', redirect_uris: [CALLBACK], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' };
  }
  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.info;
  }
  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.info = info;
  }
  tokens(): OAuthTokens | undefined {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens): void {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL): void {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(v: string): void {
    this.verifier = v;
  }
  codeVerifier(): string {
    return this.verifier;
  }
}

let provider: TestProvider;
let everything: EverythingServer;
let proxy: InProcessProxy;

t.before(async () => {
  const port = await freePort();
  const resource = `http://127.0.0.1:${port}/mcp`;
  provider = await startOidcProvider({ audience: resource, interactive: true });
  everything = await startEverything('streamableHttp');
  const oidc = { issuer: provider.issuer, audience: resource, insecureAllowHTTP: true, allowPrivateIP: true };
  proxy = await startInProcess({ ...httpConfig(everything.port, { oidc_config: oidc } as Partial<RunConfigFile>), port });
});

t.teardown(async () => {
  await proxy?.close(0);
  await everything?.close();
  await provider?.close();
});

t.test('§9 authorization code + PKCE + DCR driven by the MCP SDK client, from the 401 alone', async (t) => {
  const app = new MemoryOAuthClient();
  const first = new Client({ name: 'auth-code', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(proxy.endpoint), { authProvider: app });
  await t.rejects(first.connect(transport), /Unauthorized/, 'no token yet: the SDK sends the user to log in');
  t.ok(app.info?.client_id, 'registered itself with the provider (DCR)');
  t.ok(app.authorizationUrl, 'and built the authorization URL');
  t.equal(app.authorizationUrl!.origin, provider.issuer, 'at the issuer the metadata named');
  t.equal(app.authorizationUrl!.searchParams.get('resource'), `${new URL(proxy.endpoint).origin}/mcp`, 'asking for a token for this server (RFC 8707)');
  t.equal(app.authorizationUrl!.searchParams.get('code_challenge_method'), 'S256');

  const callback = await browserLogin(app.authorizationUrl!.href, 'dave', CALLBACK);
  const code = callback.searchParams.get('code');
  t.ok(code, 'the provider redirected back with a code');
  await transport.finishAuth(code!);
  t.ok(app.saved?.access_token, 'code exchanged for an access token');

  const client = new Client({ name: 'auth-code', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.endpoint), { authProvider: app }));
  t.teardown(() => client.close());
  const result = await client.callTool({ name: 'echo', arguments: { message: 'as dave' } });
  t.match(JSON.stringify(result.content), /as dave/);
  await new Promise((r) => setTimeout(r, 20));
  t.ok(proxy.requestLogs().some((l) => l.sub === 'dave' && l.mcpMethod === 'tools/call'), 'the proxy knew the caller as dave, the login');
});
