// SPEC §9 §10: claims from a real token drive Cedar. The proxy verifies tokens signed by a real
// OIDC provider (oidc-provider, test/helpers); the verified `groups` claim makes the principal a
// member of THVGroup::"<group>", other claims are claim_* attributes, and the list answer differs
// per caller.
import t, { type Test } from 'tap';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import type { RunConfigFile } from '../../src/config/types.js';

let provider: TestProvider;
let upstream: RawUpstream;

const TOOLS = ['deploy', 'status', 'wipe'].map((name) => ({ name, inputSchema: { type: 'object' } }));

t.before(async () => {
  provider = await startOidcProvider();
  upstream = await startRawUpstream((_req, res, body) => {
    const method = (JSON.parse(body.toString()) as { method?: string }).method;
    jsonResult(res, body, method === 'tools/list' ? { tools: TOOLS } : { content: [] });
  });
});

t.teardown(async () => {
  await upstream?.close();
  await provider?.close();
});

const POLICIES = [
  // engineering may deploy; everyone may ask for status; only the on-call admin may wipe
  'permit(principal in THVGroup::"engineering", action == Action::"call_tool", resource == Tool::"deploy");',
  'permit(principal, action == Action::"call_tool", resource == Tool::"status");',
  'permit(principal, action == Action::"call_tool", resource == Tool::"wipe") when { principal has claim_oncall && principal.claim_oncall == true && context.claim_role == "admin" };',
];

async function proxyWithAuthz(t: Test) {
  const oidc = { issuer: provider.issuer, audience: provider.audience, insecureAllowHTTP: true, allowPrivateIP: true };
  const proxy = await startInProcess(httpConfig(upstream.port, { oidc_config: oidc, authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: POLICIES } } } as Partial<RunConfigFile>));
  t.teardown(() => proxy.close(0));
  return proxy;
}

async function token(sub: string, claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return provider.sign({ sub, iss: provider.issuer, aud: provider.audience, iat: now, exp: now + 300, ...claims });
}

const call = (name: string) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name } });
const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });

t.test('§9 §10 the groups claim of a verified token drives a group rule', async (t) => {
  const proxy = await proxyWithAuthz(t);
  const alice = { authorization: `Bearer ${await token('alice', { groups: ['engineering'] })}` };
  const bob = { authorization: `Bearer ${await token('bob', { groups: ['sales'] })}` };
  const root = { authorization: `Bearer ${await token('root', { groups: [], role: 'admin', oncall: true })}` };

  t.equal((await postJson(proxy.endpoint, call('deploy'), alice)).status, 200, 'alice (engineering) may deploy');
  t.equal((await postJson(proxy.endpoint, call('deploy'), bob)).status, 403, 'bob (sales) may not');
  t.equal((await postJson(proxy.endpoint, call('status'), bob)).status, 200);
  t.equal((await postJson(proxy.endpoint, call('wipe'), alice)).status, 403, 'no oncall claim: denied');
  t.equal((await postJson(proxy.endpoint, call('wipe'), root)).status, 200, 'claims as principal attributes and context');

  const names = async (h: Record<string, string>) => (JSON.parse((await postJson(proxy.endpoint, list, h)).body) as { result: { tools: { name: string }[] } }).result.tools.map((x) => x.name);
  t.strictSame(await names(alice), ['deploy', 'status']);
  t.strictSame(await names(bob), ['status']);
  t.strictSame(await names(root), ['status', 'wipe']);
});

t.test('§9 §10 a client-credentials token from the provider: the principal is Client::"<sub>"', async (t) => {
  const proxy = await proxyWithAuthz(t);
  const h = { authorization: `Bearer ${await provider.token(provider.clients[0])}` };
  t.equal((await postJson(proxy.endpoint, call('status'), h)).status, 200);
  t.equal((await postJson(proxy.endpoint, call('deploy'), h)).status, 403, 'no groups claim');
  t.equal((await postJson(proxy.endpoint, call('status'), {})).status, 401, 'no token: authentication answers first');
});
