// SPEC §1, §2, §9 through the binary (needs dist/, built by `npx tsc -p tsconfig.json`):
// `validate` prints the authentication stage of a ToolHive-format oidc_config (a Go export's
// capitalised keys) and refuses a bad one with pointers; `run` exits 3 when the identity provider
// cannot be reached; `dry-run --header 'Authorization: Bearer ...'` shows the verdict on the token
// (which claim failed, when) and the per-user buckets it would charge.
import t from 'tap';
import { thv } from '../helpers/dryrunCli.js';
import { writeConfigFile } from '../helpers/proxy.js';
import { freePort } from '../helpers/ports.js';
import { startOidcProvider, type TestProvider } from '../helpers/oidcProvider.js';

let provider: TestProvider;
t.before(async () => {
  provider = await startOidcProvider();
});
t.teardown(() => provider?.close());

/** A streamable-HTTP config whose upstream is never contacted (validate, dry-run). */
function config(extra: Record<string, unknown>): string {
  return writeConfigFile(JSON.stringify({ name: 'cli-auth', transport: 'streamable-http', target_port: 9, port: 8080, ...extra }));
}

const GO_EXPORT = (issuer: string, audience: string): Record<string, unknown> => ({
  // As `json.Marshal` writes ToolHive's TokenValidatorConfig without struct tags.
  Issuer: issuer,
  Audience: audience,
  JWKSURL: '',
  ClientID: '',
  ClientSecret: '',
  CACertPath: '',
  AuthTokenFile: '',
  AllowPrivateIP: true,
  InsecureAllowHTTP: true,
  IntrospectionURL: '',
  ResourceURL: '',
});

t.test('§2 §9 validate: a Go export of oidc_config (capitalised keys) is the authentication stage', async (t) => {
  const r = await thv(['validate', config({ oidc_config: GO_EXPORT('https://idp.example.com/realms/mcp', 'https://mcp.example.com/mcp') })]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^3\. authentication: issuer https:\/\/idp\.example\.com\/realms\/mcp; audience https:\/\/mcp\.example\.com\/mcp; http allowed; private addresses allowed$/m);
});

t.test('§2 §9 validate: what run could not use is refused at load, each with its pointer', async (t) => {
  const r = await thv([
    'validate',
    config({
      oidc_config: { Issuer: 'http://idp.example.com', issuer: 'https://x.example', jwksurl: 'https://169.254.169.254/keys', cacertPath: '/nonexistent/ca.pem' },
      rate_limit_config: { perUser: { maxTokens: 1, refillPeriod: '1s' } },
    }),
    '--store',
    'memory',
  ]);
  t.equal(r.code, 1);
  t.match(r.stderr, /\/oidc_config\/issuer: "issuer" and "Issuer" are the same field \(issuer; keys are case-insensitive\): keep one/);
  t.match(r.stderr, /\/oidc_config\/Issuer: must be https/);
  t.match(r.stderr, /\/oidc_config\/jwksurl: 169\.254\.169\.254 is a private, loopback or link-local address; set allowPrivateIP/);
  t.match(r.stderr, /\/oidc_config\/cacertPath: cannot read "\/nonexistent\/ca\.pem"/);
  t.notMatch(r.stderr, /perUser/, 'perUser is fine with oidc_config');
  const noAuth = await thv(['validate', config({ rate_limit_config: { perUser: { maxTokens: 1, refillPeriod: '1s' } } }), '--store', 'memory']);
  t.equal(noAuth.code, 1);
  t.match(noAuth.stderr, /\/rate_limit_config\/perUser: per-user rate limits need authentication: set oidc_config/);
});

t.test('§9 run: the issuer cannot be reached -> exit 3, a sentence naming it, no stack', async (t) => {
  const port = await freePort(); // nothing listens there
  const file = writeConfigFile(
    JSON.stringify({
      name: 'cli-auth',
      transport: 'streamable-http',
      target_port: 9,
      port: 0,
      oidc_config: { issuer: `http://127.0.0.1:${port}`, insecureAllowHTTP: true, allowPrivateIP: true },
    }),
  );
  const r = await thv(['run', '--config', file]);
  t.equal(r.code, 3);
  t.match(r.stderr, new RegExp(`identity provider unreachable: OIDC discovery for issuer http://127\\.0\\.0\\.1:${port} failed`));
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');
  // A private issuer without allowPrivateIP is a config error instead (exit 1).
  const refused = await thv(['validate', config({ oidc_config: { issuer: provider.issuer, insecureAllowHTTP: true } })]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /\/oidc_config\/issuer: 127\.0\.0\.1 is a private, loopback or link-local address/);
});

t.test('§1 §9 dry-run: the verdict on the token and the per-user buckets it would charge', async (t) => {
  const file = config({
    oidc_config: GO_EXPORT(provider.issuer, provider.audience),
    rate_limit_config: { shared: { maxTokens: 5, refillPeriod: '1h' }, perUser: { maxTokens: 2, refillPeriod: '1h' }, tools: [{ name: 'search', perUser: { maxTokens: 1, refillPeriod: '1m' } }] },
  });
  const call = '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"search","arguments":{}}}';
  const token = await provider.token(provider.clients[0]);
  const ok = await thv(['dry-run', '--config', file, '--store', 'memory', '--request', call, '--header', `Authorization: Bearer ${token}`]);
  t.equal(ok.code, 0, ok.stderr);
  t.match(ok.stdout, new RegExp(`^authentication: authenticated: sub "alice" \\(iss ${provider.issuer.replace(/\./g, '\\.')}\\), valid until \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`, 'm'));
  t.match(ok.stdout, /^rate-limit: allowed \(shared 5\/5, user 2\/2, user-tool:search 1\/1\) for user "alice"$/m);
  t.notMatch(ok.stdout + ok.stderr, token, 'the token is not printed');

  const json = await thv(['dry-run', '--config', file, '--store', 'memory', '--json', '--request', call, '--header', `Authorization: Bearer ${token}`]);
  const parsed = JSON.parse(json.stdout) as { stages: Array<{ stage: string; facts?: Record<string, unknown> }> };
  const rl = parsed.stages.find((s) => s.stage === 'rate-limit')!;
  t.strictSame(
    (rl.facts!.buckets as Array<{ key: string }>).map((b) => b.key),
    ['thv:rl:{default:cli-auth}:shared', 'thv:rl:{default:cli-auth}:user:alice', 'thv:rl:{default:cli-auth}:user-tool:search:alice'],
    'ToolHive keys and order',
  );
  t.equal(rl.facts!.user, 'alice');
  t.equal(parsed.stages.find((s) => s.stage === 'authentication')!.facts!.sub, 'alice');

  const now = Math.floor(Date.now() / 1000);
  const expired = await provider.sign({ iss: provider.issuer, aud: provider.audience, sub: 'alice', exp: now - 3600 });
  const bad = await thv(['dry-run', '--config', file, '--store', 'memory', '--request', call, '--header', `Authorization: Bearer ${expired}`]);
  t.equal(bad.code, 4);
  t.match(bad.stdout, /^authentication: rejected: expired at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(60 s of skew allowed\)$/m);
  t.match(bad.stdout, /^HTTP\/1\.1 401 Unauthorized$/m);
  t.match(bad.stdout, /^www-authenticate: Bearer resource_metadata="http:\/\/127\.0\.0\.1:8080\/\.well-known\/oauth-protected-resource", error="invalid_token"$/m);
  t.match(bad.stdout, /\{"jsonrpc":"2\.0","error":\{"code":-32001,"message":"Unauthorized"\}\}/);
  t.notMatch(bad.stdout, /^rate-limit/m, 'stages after the rejection are not run');

  const none = await thv(['dry-run', '--config', file, '--store', 'memory', '--request', call]);
  t.equal(none.code, 4);
  t.match(none.stdout, /^authentication: rejected: no bearer token$/m);
  t.match(none.stdout, /^www-authenticate: Bearer resource_metadata="http:\/\/127\.0\.0\.1:8080\/\.well-known\/oauth-protected-resource"$/m);
});
