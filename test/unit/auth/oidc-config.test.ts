// SPEC §9 oidc_config compile: keys case-insensitive as Go's encoding/json reads them (ToolHive's
// API names and a Go export's capitalised ones), the client secret from THV_OIDC_CLIENT_SECRET,
// every URL and file checked at load with its pointer.
import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileOidcConfig, foldKey, type OidcSettings } from '../../../src/auth/oidcConfig.js';
import { testCerts } from '../../helpers/certs.js';
import { load, problems } from '../config/helpers.js';

function compile(document: Record<string, unknown>, envClientSecret?: string): { settings: OidcSettings | null; errors: string[] } {
  const errors: string[] = [];
  const settings = compileOidcConfig({ document, envClientSecret }, (p, m) => errors.push(`${p}: ${m}`));
  return { settings, errors };
}

t.test('§9 keys match case-insensitively, as Go does (a Go export writes Issuer, JWKSURL, CACertPath)', async (t) => {
  const spellings: Array<Record<string, unknown>> = [
    { issuer: 'https://idp.example.com', audience: 'mcp', jwksurl: 'https://idp.example.com/keys', clientID: 'c', clientSecret: 's', introspectionURL: 'https://idp.example.com/i', resourceURL: 'https://mcp.example.com/mcp', scopes: ['openid', 'x'] },
    { Issuer: 'https://idp.example.com', Audience: 'mcp', JWKSURL: 'https://idp.example.com/keys', ClientID: 'c', ClientSecret: 's', IntrospectionURL: 'https://idp.example.com/i', ResourceURL: 'https://mcp.example.com/mcp', Scopes: ['openid', 'x'] },
    { ISSUER: 'https://idp.example.com', audience: 'mcp', jwksUrl: 'https://idp.example.com/keys', clientId: 'c', client_secret: undefined, clientsecret: 's', introspectionUrl: 'https://idp.example.com/i', resourceUrl: 'https://mcp.example.com/mcp', SCOPES: ['openid', 'x'] },
  ];
  for (const doc of spellings) {
    for (const k of Object.keys(doc)) if (doc[k] === undefined) delete doc[k];
    const { settings, errors } = compile(doc);
    t.strictSame(errors, []);
    t.match(settings, {
      issuer: 'https://idp.example.com',
      audience: 'mcp',
      jwksUrl: 'https://idp.example.com/keys',
      clientId: 'c',
      clientSecret: 's',
      introspectionUrl: 'https://idp.example.com/i',
      resourceUrl: 'https://mcp.example.com/mcp',
      scopes: ['openid', 'x'],
      allowPrivateIp: false,
      insecureAllowHttp: false,
    }, Object.keys(doc).join(','));
  }
  t.equal(foldKey('\u212aey'), 'key', 'the Kelvin sign folds to k, as in Go');
  t.equal(foldKey('ALLOWPRIVATEIP'), foldKey('allowPrivateIP'));
});

t.test('§9 the loader takes Go-export keys (schema patterns) and the env secret', async (t) => {
  const doc = { name: 's', transport: 'streamable-http', target_port: 9, oidc_config: { Issuer: 'https://idp.example.com', CACertPath: '', AllowPrivateIP: false, InsecureAllowHTTP: false, ClientID: 'proxy', IntrospectionURL: 'https://idp.example.com/introspect' } };
  const r = load(doc, {}, { THV_OIDC_CLIENT_SECRET: 'from-env' });
  t.equal(r.ok, true, problems(r).join('\n'));
  const missing = load(doc);
  t.strictSame(problems(missing), ['/oidc_config/clientSecret: introspection as client "proxy" needs its secret: set clientSecret or THV_OIDC_CLIENT_SECRET']);
  t.strictSame(problems(load({ ...doc, oidc_config: { Issuer: 'https://idp.example.com', Isuer: 'x' } })), ['/oidc_config/Isuer: unknown field "Isuer" (did you mean "issuer"?)']);
  t.strictSame(problems(load({ ...doc, oidc_config: { ISSUER: 42 } })), ['/oidc_config/ISSUER: must be a string, not an integer']);
});

t.test('§9 the config secret wins over the environment; an empty one is none', async (t) => {
  t.equal(compile({ issuer: 'https://i.example', clientSecret: 'file' }, 'env').settings?.clientSecret, 'file');
  t.equal(compile({ issuer: 'https://i.example', clientSecret: '' }, 'env').settings?.clientSecret, 'env');
  t.equal(compile({ issuer: 'https://i.example' }, '').settings?.clientSecret, undefined);
});

t.test('§9 refusals, each with the pointer of the key as written', async (t) => {
  const table: Array<[string, Record<string, unknown>, string[]]> = [
    ['no issuer nor jwksurl', { audience: 'x' }, ['/oidc_config: needs issuer (the keys are then discovered from <issuer>/.well-known/openid-configuration) or jwksurl']],
    ['empty strings are Go zero values', { issuer: '', jwksurl: '  ' }, ['/oidc_config: needs issuer (the keys are then discovered from <issuer>/.well-known/openid-configuration) or jwksurl']],
    ['http without insecureAllowHTTP', { Issuer: 'http://idp.example.com' }, ['/oidc_config/Issuer: must be https (tokens are judged by what this URL serves); set insecureAllowHTTP: true only for a local test provider']],
    ['not a URL', { jwksurl: 'idp/keys' }, ['/oidc_config/jwksurl: must be an absolute URL such as "https://idp.example.com/realms/mcp", got "idp/keys"']],
    ['another scheme', { jwksurl: 'file:///etc/keys' }, ['/oidc_config/jwksurl: must be an https URL, got "file:"']],
    ['credentials in the URL', { issuer: 'https://u:p@idp.example.com' }, ['/oidc_config/issuer: must not carry credentials in the URL']],
    ['loopback literal', { issuer: 'https://127.0.0.1:8443' }, ['/oidc_config/issuer: 127.0.0.1 is a private, loopback or link-local address; set allowPrivateIP: true if the identity provider really runs there']],
    ['metadata service', { jwksurl: 'https://169.254.169.254/keys' }, ['/oidc_config/jwksurl: 169.254.169.254 is a private, loopback or link-local address; set allowPrivateIP: true if the identity provider really runs there']],
    ['IPv6 unique local', { issuer: 'https://[fd00::1]/' }, ['/oidc_config/issuer: [fd00::1] is a private, loopback or link-local address; set allowPrivateIP: true if the identity provider really runs there']],
    ['two spellings of one key', { issuer: 'https://a.example', Issuer: 'https://b.example' }, ['/oidc_config/Issuer: "Issuer" and "issuer" are the same field (issuer; keys are case-insensitive): keep one']],
    ['resourceURL not absolute', { issuer: 'https://a.example', resourceURL: '/mcp' }, ['/oidc_config/resourceURL: must be the absolute http(s) URL clients use for this server, such as "https://mcp.example.com/mcp", got "/mcp"']],
    ['unreadable CA', { issuer: 'https://a.example', cacertPath: '/nonexistent/ca.pem' }, ['/oidc_config/cacertPath: cannot read "/nonexistent/ca.pem" (no such file)']],
    ['unreadable token file', { issuer: 'https://a.example', authTokenFile: '/nonexistent/token' }, ['/oidc_config/authTokenFile: cannot read "/nonexistent/token" (no such file)']],
  ];
  for (const [what, doc, want] of table) {
    const { settings, errors } = compile(doc);
    t.strictSame(errors, want, what);
    t.equal(settings, null, `${what}: no settings`);
  }
  t.strictSame(compile({ issuer: 'http://127.0.0.1:8080', insecureAllowHTTP: true, allowPrivateIP: true }).errors, [], 'both guards lifted for a local test provider');
  t.strictSame(compile({ issuer: 'https://idp.example.com', resourceURL: 'http://localhost:8080/mcp' }).errors, [], 'the resource URL is the proxy\'s own, not fetched: no guard');
});

t.test('§9 cacertPath is read and parsed at load: a PEM CA bundle, or a refusal', async (t) => {
  const good = compile({ issuer: 'https://a.example', cacertPath: testCerts().caCert });
  t.strictSame(good.errors, []);
  t.ok(good.settings?.ca?.includes('BEGIN CERTIFICATE'), 'the bundle bytes are kept for the connector');
  const dir = mkdtempSync(join(tmpdir(), 'thv-oidc-ca-'));
  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  t.strictSame(compile({ issuer: 'https://a.example', cacertPath: junk }).errors, [`/oidc_config/cacertPath: "${junk}" is not a PEM CA bundle: no PEM certificate in it`]);
  const broken = join(dir, 'broken.pem');
  writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
  t.match(compile({ issuer: 'https://a.example', cacertPath: broken }).errors, [/^\/oidc_config\/cacertPath: ".*broken\.pem" is not a PEM CA bundle: /]);
});

t.test('§9 scopes default to ["openid"]', async (t) => {
  t.strictSame(compile({ issuer: 'https://a.example' }).settings?.scopes, ['openid']);
  t.strictSame(compile({ issuer: 'https://a.example', scopes: [] }).settings?.scopes, ['openid']);
});

t.test('§2 §9 ToolHive\'s top-level thv_ca_bundle and jwks_auth_token_file feed the validator, as its runner does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'thv-oidc-top-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'sa-token\n');
  const base = { name: 's', transport: 'streamable-http', target_port: 9, thv_ca_bundle: testCerts().caCert, jwks_auth_token_file: tokenFile };
  const withOidc = load({ ...base, oidc_config: { Issuer: 'https://idp.example.com' } });
  t.equal(withOidc.ok, true, problems(withOidc).join('\n'));
  t.strictSame(withOidc.warnings, [], 'used, so not "ignored"');
  const settings = withOidc.ok ? compile(withOidc.config.oidc!.document, undefined) : null;
  t.ok(settings, 'compiles');
  const direct = compileOidcConfig({ document: { issuer: 'https://a.example' }, envClientSecret: undefined, toolhiveCaBundle: testCerts().caCert, toolhiveAuthTokenFile: tokenFile }, () => t.fail('no problem expected'));
  t.ok(direct?.ca?.includes('BEGIN CERTIFICATE'));
  t.equal(direct?.authTokenFile, tokenFile);
  const own = compileOidcConfig({ document: { issuer: 'https://a.example', authTokenFile: '/own' }, envClientSecret: undefined, toolhiveAuthTokenFile: tokenFile }, () => undefined);
  t.equal(own, null, 'oidc_config\'s own value wins (and here cannot be read)');
  t.strictSame(problems(load({ ...base, jwks_auth_token_file: '/nonexistent/t', oidc_config: { issuer: 'https://a.example' } })), ['/jwks_auth_token_file: cannot read "/nonexistent/t" (no such file)']);
  const without = load(base);
  t.match(without.warnings, ['thv_ca_bundle is a ToolHive field thv-proxy ignores', 'jwks_auth_token_file is a ToolHive field thv-proxy ignores'], 'without oidc_config they stay ignored');
});
