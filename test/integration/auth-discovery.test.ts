// SPEC §9: an MCP client finds where to get a token from the 401 alone. The proxy serves RFC 9728
// protected-resource metadata (no token needed, like /health) at the root and path-suffixed
// forms; the official MCP SDK client, given only client credentials, follows the 401's
// resource_metadata to the real provider, gets a token for this resource and calls tools — and
// with a token passed by hand (requestInit headers) it works too. Real parts only: oidc-provider,
// the reference MCP server (server-everything), the SDK client.
import t from 'tap';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startEverything, type EverythingServer } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { freePort } from '../helpers/ports.js';
import { postJson, send } from '../helpers/http.js';
import type { RunConfigFile } from '../../src/config/types.js';

let provider: TestProvider;
let everything: EverythingServer;
let proxy: InProcessProxy;
let resource: string;

t.before(async () => {
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  // Tokens are for this server: the resource clients ask for is the proxy's own MCP URL.
  provider = await startOidcProvider({ audience: resource });
  everything = await startEverything('streamableHttp');
  const oidc = { issuer: provider.issuer, audience: resource, insecureAllowHTTP: true, allowPrivateIP: true, scopes: ['openid', 'mcp:tools'] };
  proxy = await startInProcess({ ...httpConfig(everything.port, { oidc_config: oidc } as Partial<RunConfigFile>), port });
});

t.teardown(async () => {
  await proxy?.close(0);
  await everything?.close();
  await provider?.close();
});

t.test('§9 RFC 9728 metadata at both paths, without a token; HEAD and CORS preflight', async (t) => {
  const expected = {
    resource,
    authorization_servers: [provider.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: ['openid', 'mcp:tools'],
  };
  for (const path of ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource?x=1']) {
    const res = await send(proxy.url, { method: 'GET', path });
    t.equal(res.status, 200, path);
    t.equal(res.headers['content-type'], 'application/json');
    t.equal(res.headers['access-control-allow-origin'], '*', 'readable by browser-based clients');
    t.strictSame(JSON.parse(res.body), expected, path);
  }
  const head = await send(proxy.url, { method: 'HEAD', path: '/.well-known/oauth-protected-resource' });
  t.equal(head.status, 200);
  t.equal(head.body, '');
  const preflight = await send(proxy.url, { method: 'OPTIONS', path: '/.well-known/oauth-protected-resource/mcp', headers: { origin: 'http://localhost:6274', 'access-control-request-method': 'GET' } });
  t.equal(preflight.status, 204);
  t.match(preflight.headers['access-control-allow-headers'], /mcp-protocol-version/);
  // Other paths under .well-known are not the proxy's: they need a token like everything else.
  t.equal((await send(proxy.url, { method: 'GET', path: '/.well-known/oauth-protected-resource/other' })).status, 401);
  t.equal((await send(proxy.url, { method: 'POST', path: '/.well-known/oauth-protected-resource' })).status, 401, 'only GET, HEAD, OPTIONS');
  t.equal((await send(proxy.url, { method: 'GET', path: '/health' })).status, 200, '/health needs no token');
});

t.test('§9 the 401 names the metadata; the metadata names the provider; its discovery names the token endpoint', async (t) => {
  const res = await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  t.equal(res.status, 401);
  const m = /^Bearer resource_metadata="([^"]+)"$/.exec(String(res.headers['www-authenticate']));
  t.ok(m, 'resource_metadata in the challenge');
  const meta = (await (await fetch(m![1]!)).json()) as { authorization_servers: string[] };
  const asMeta = (await (await fetch(`${meta.authorization_servers[0]}/.well-known/openid-configuration`)).json()) as { token_endpoint: string };
  t.equal(asMeta.token_endpoint, `${provider.issuer}/token`);
});

t.test('§9 the MCP SDK client with only client credentials: 401 -> metadata -> token -> tools', async (t) => {
  const client = new Client({ name: 'auth-discovery-test', version: '1.0.0' });
  const authProvider = new ClientCredentialsProvider({ clientId: 'bob', clientSecret: 'bob-secret', expectedIssuer: provider.issuer });
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.endpoint), { authProvider }));
  t.teardown(() => client.close());
  const tools = await client.listTools();
  t.ok(tools.tools.some((x) => x.name === 'echo'), 'tools listed through the proxy');
  const result = await client.callTool({ name: 'echo', arguments: { message: 'hi' } });
  t.match(JSON.stringify(result.content), /hi/);
  t.ok(proxy.requestLogs().some((l) => l.sub === 'bob' && l.mcpMethod === 'tools/call'), 'the proxy knew the caller as bob');
});

t.test('§9 the MCP SDK client with a token in requestInit headers, and without one', async (t) => {
  const token = await provider.token(provider.clients[2]);
  const client = new Client({ name: 'auth-header-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(proxy.endpoint), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  t.teardown(() => client.close());
  t.ok((await client.listTools()).tools.length > 0);
  const anonymous = new Client({ name: 'no-token', version: '1.0.0' });
  await t.rejects(anonymous.connect(new StreamableHTTPClientTransport(new URL(proxy.endpoint))), /401|Unauthorized/i, 'no token: the connect fails with the 401');
});
