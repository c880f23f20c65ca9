// §1 §2 every URL-ish field, given URLs the WHATWG parser refuses (or that a schema's "uri" format
// lets through): the loader answers with an error at that field's pointer, together with the
// file's other problems — never "internal error" (remote_url and webhook urls used to die in
// normalise or at run with "Invalid URL", with no pointer, and hid behind other errors).
import t from 'tap';
import { load, problems } from './helpers.js';

const BAD_URLS = [
  'http://', 'https://', 'http://x:99999/', 'https://x.example:99999/', 'http://[a:b]/', 'https://[::1', 'http:// x/',
  'https://x:-1/', 'https://x:99999999999999999999/', 'https://%zz/', 'https://:443/', 'http:x', 'http:/x', '://x', 'x', 'https://a\u0000b/',
];

const stdio = { name: 'u', transport: 'stdio', command: 'node' };
const rl = { shared: { maxTokens: 1, refillPeriod: '1s' } };
const hook = (url: string) => ({ name: 'w', url, failure_policy: 'fail', tls_config: { insecure_skip_verify: true } });

/** Each field: a config that puts `bad` there, and the pointer its error must have. */
const FIELDS: { pointer: string; doc: (bad: string) => Record<string, unknown> }[] = [
  { pointer: '/remote_url', doc: (bad) => ({ name: 'u', transport: 'streamable-http', remote_url: bad }) },
  { pointer: '/validating_webhooks/0/url', doc: (bad) => ({ ...stdio, validating_webhooks: [hook(bad)] }) },
  { pointer: '/mutating_webhooks/0/url', doc: (bad) => ({ ...stdio, mutating_webhooks: [hook(bad)] }) },
  { pointer: '/oidc_config/issuer', doc: (bad) => ({ ...stdio, oidc_config: { issuer: bad } }) },
  { pointer: '/oidc_config/jwksurl', doc: (bad) => ({ ...stdio, oidc_config: { issuer: 'https://idp.example', jwksurl: bad } }) },
  { pointer: '/oidc_config/introspectionURL', doc: (bad) => ({ ...stdio, oidc_config: { issuer: 'https://idp.example', introspectionURL: bad, clientID: 'c', clientSecret: 's' } }) },
  { pointer: '/oidc_config/resourceURL', doc: (bad) => ({ ...stdio, oidc_config: { issuer: 'https://idp.example', resourceURL: bad } }) },
  { pointer: '/telemetry_config/endpoint', doc: (bad) => ({ ...stdio, telemetry_config: { endpoint: bad, tracingEnabled: true } }) },
  { pointer: '/scaling_config/session_redis/address', doc: (bad) => ({ ...stdio, rate_limit_config: rl, scaling_config: { session_redis: { address: bad } } }) },
  { pointer: '/scaling_config/session_redis/sentinel_config/sentinel_addrs/0', doc: (bad) => ({ ...stdio, rate_limit_config: rl, scaling_config: { session_redis: { sentinel_config: { master_name: 'm', sentinel_addrs: [bad] } } } }) },
];

const isUrlField = (pointer: string): boolean => !pointer.startsWith('/telemetry_config') && !pointer.startsWith('/scaling_config');

t.test('§2 a bad URL in any URL field is an error at its pointer, never an internal error', async (t) => {
  for (const { pointer, doc } of FIELDS) {
    for (const bad of BAD_URLS) {
      const what = `${pointer} = ${JSON.stringify(bad)}`;
      let r: ReturnType<typeof load>;
      try {
        r = load(doc(bad), { store: 'redis' });
      } catch (err) {
        t.fail(`${what}: threw ${(err as Error).message}`);
        continue;
      }
      const lines = problems(r);
      if (lines.some((l) => l.includes('internal error'))) t.fail(`${what}: ${lines.join('; ')}`);
      // Some strings are fine for some fields ("x" as a telemetry or Redis host), but an accepted
      // URL field must be one `run` can parse.
      if (r.ok) {
        if (isUrlField(pointer)) t.ok(URL.canParse(bad), `${what}: accepted, but run cannot parse it`);
        continue;
      }
      t.ok(lines.some((l) => l.startsWith(`${pointer}: `) || l.startsWith(`${pointer}/`)), `${what}: ${lines.join('; ')}`);
    }
  }
});

t.test('§2 a bad remote_url is reported together with the other problems', async (t) => {
  t.strictSame(problems(load({ name: 'u', transport: 'streamable-http', remote_url: 'http://x:99999/', port: 'x' })), [
    '/port: must be an integer, not a string',
    '/remote_url: must be an absolute http or https URL such as "https://mcp.example.com/mcp", got "http://x:99999/"',
  ]);
  t.strictSame(problems(load({ name: 'u', transport: 'streamable-http', remote_url: 'http://' })), ['/remote_url: must be an absolute http or https URL such as "https://mcp.example.com/mcp", got "http://"']);
});

t.test('§5 §11 a webhook url the URL parser refuses is an error at its pointer', async (t) => {
  t.strictSame(problems(load({ ...stdio, validating_webhooks: [{ name: 'a', url: 'https://', failure_policy: 'fail' }] })), [
    '/validating_webhooks/0/url: webhook "a": must be an absolute https URL such as "https://policy.example/validate", got "https://"',
  ]);
  t.strictSame(problems(load({ ...stdio, mutating_webhooks: [{ name: 'a', url: 'https://x.example:99999/', failure_policy: 'fail' }] })), [
    '/mutating_webhooks/0/url: webhook "a": must be an absolute https URL such as "https://policy.example/validate", got "https://x.example:99999/"',
  ]);
});
