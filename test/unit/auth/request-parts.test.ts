// SPEC §9 pieces of a request's judgement: the bearer token out of Authorization (RFC 6750/7235),
// the origin a 401 and the metadata name (Host, or X-Forwarded-* with trust_proxy_headers; a Host
// that is not a plain host[:port] is not echoed into a quoted header parameter), and the SSRF
// guard's address table (literals, and names by what they resolve to).
import t from 'tap';
import { bearerToken } from '../../../src/auth/middleware.js';
import { ProtectedResource } from '../../../src/auth/protectedResource.js';
import { guardedLookup, isBlockedAddress, literalAddressBlocked } from '../../../src/auth/addressGuard.js';

t.test('§9 the bearer token: scheme case-insensitive, other schemes are "no token"', async (t) => {
  const table: Array<[string | undefined, string | null]> = [
    [undefined, null],
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc', 'abc'],
    ['BEARER   abc  ', 'abc'],
    ['Bearer', ''],
    ['Bearer ', ''],
    ['Basic YWxpY2U6eA==', null],
    ['Bearerabc', null],
    ['Token abc', null],
  ];
  for (const [header, want] of table) t.equal(bearerToken(header), want, String(header));
});

t.test('§9 the origin of the challenge and the metadata', async (t) => {
  const base = { issuer: 'https://idp.example.com', resourceUrl: undefined, scopes: ['openid'], endpointPath: '/mcp', listenAuthority: '127.0.0.1:8080' };
  const plain = new ProtectedResource({ ...base, trustProxyHeaders: false });
  t.equal(plain.challenge({ host: 'localhost:9000' }, false), 'Bearer resource_metadata="http://localhost:9000/.well-known/oauth-protected-resource"');
  t.equal(plain.challenge({ host: '[::1]:9000' }, true), 'Bearer resource_metadata="http://[::1]:9000/.well-known/oauth-protected-resource", error="invalid_token"');
  t.equal(plain.origin({ host: 'evil"x', 'x-forwarded-host': 'a.example' }), 'http://127.0.0.1:8080', 'not a plain host: the listen address');
  t.equal(plain.origin({}), 'http://127.0.0.1:8080');
  t.equal(plain.origin({ host: 'mcp.example.com', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'other.example' }), 'http://mcp.example.com', 'forwarded headers are the client\'s word without trust_proxy_headers');
  const behind = new ProtectedResource({ ...base, trustProxyHeaders: true });
  t.equal(behind.origin({ host: '10.0.0.5:8080', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'mcp.example.com, hop2.example' }), 'https://mcp.example.com');
  const fixed = new ProtectedResource({ ...base, trustProxyHeaders: true, resourceUrl: 'https://mcp.example.com/tenant/mcp' });
  t.equal(fixed.challenge({ host: 'whatever:1' }, false), 'Bearer resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"', 'resourceURL fixes the origin');
  t.strictSame(fixed.endpoints.map((e) => e.path), ['/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource/tenant/mcp']);
});

t.test('§9 SSRF guard: the addresses refused unless allowPrivateIP', async (t) => {
  const refused = ['127.0.0.1', '127.255.0.9', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd12::1', 'fc00::1', '::ffff:127.0.0.1', '::ffff:a00:1', '64:ff9b::7f00:1', 'ff02::1'];
  const allowed = ['8.8.8.8', '1.1.1.1', '172.32.0.1', '192.169.0.1', '2001:4860:4860::8888', '2606:4700::1111', 'idp.example.com'];
  for (const a of refused) t.equal(isBlockedAddress(a), true, a);
  for (const a of allowed) t.equal(isBlockedAddress(a), false, a);
  t.equal(literalAddressBlocked('[::1]'), true, 'bracketed IPv6 from a URL');
  const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => guardedLookup('localhost', {}, (e) => resolve(e)));
  t.match(err?.message, /^localhost resolves to (127\.0\.0\.1|::1), a private, loopback or link-local address \(allowPrivateIP is off\)$/);
  t.equal(err?.code, 'ERR_PRIVATE_ADDRESS');
});
