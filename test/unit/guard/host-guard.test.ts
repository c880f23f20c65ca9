import t from 'tap';
import type { IncomingHttpHeaders } from 'node:http';
import { compileHostGuard, createHostGuardMiddleware } from '../../../src/guard/hostGuard.js';

/** The guard as the chain gets it: entries compiled first; a bad entry is thrown here. */
function guardOf(opts: { allowedHosts: string[]; allowedOrigins: string[] }) {
  const problems: string[] = [];
  const params = compileHostGuard(opts.allowedHosts, opts.allowedOrigins, (pointer, message) => problems.push(`${pointer}: ${message}`));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return createHostGuardMiddleware(params);
}
import { Rejection } from '../../../src/errors.js';
import { makeContext, visible } from '../mcp/context.js';

function check(guard: ReturnType<typeof createHostGuardMiddleware>, headers: IncomingHttpHeaders): Rejection | undefined {
  const r = guard.handle(makeContext({ method: 'POST', headers, body: '{}' }));
  return r as Rejection | undefined;
}

const plain = guardOf({ allowedHosts: [], allowedOrigins: [] });

t.test('the stage is named "host-guard"', async (t) => {
  t.equal(plain.name, 'host-guard');
});

t.test('§6 loopback Host values are allowed on any port', async (t) => {
  const hosts = ['localhost', 'localhost:8080', 'LOCALHOST', 'LocalHost:1', 'localhost.:8080', '127.0.0.1', '127.0.0.1:1234', '[::1]', '[::1]:8080', '[::1]:'];
  for (const host of hosts) t.equal(check(plain, { host }), undefined, `Host ${host}`);
});

t.test('§6 DNS rebinding: other Host values are answered 403 -32600 without an id', async (t) => {
  const hosts = [
    'evil.com', 'evil.com:8080', 'localhost.evil.com', 'evil.com.localhost', '127.0.0.1.evil.com', '127.0.0.2', '0.0.0.0:8080',
    '::1', '[::1', '[::1]x', '[::2]:8080', 'localhost:80a', 'user@localhost', 'localhost/x', '', ' ',
  ];
  for (const host of hosts) {
    const r = check(plain, { host });
    t.ok(r instanceof Rejection, `Host ${JSON.stringify(host)} refused`);
    if (!r) continue;
    t.equal(r.kind, 'HOST_NOT_ALLOWED');
    t.same(visible(r), { status: 403, body: { jsonrpc: '2.0', error: { code: -32600, message: 'Host or Origin not allowed' } } });
  }
  const r = check(plain, {});
  t.equal(r?.status, 403, 'a missing Host is refused (HTTP/1.1 requires one)');
  t.equal(r?.reason, 'no Host header');
});

t.test('§6 Origin, when sent, must be loopback', async (t) => {
  for (const origin of ['http://localhost', 'http://localhost:3000', 'https://LOCALHOST:8443', 'http://127.0.0.1:5173', 'http://[::1]:8080', 'vscode-webview://localhost']) {
    t.equal(check(plain, { host: 'localhost:8080', origin }), undefined, `Origin ${origin}`);
  }
  for (const origin of ['http://evil.com', 'https://evil.com:443', 'null', 'http://localhost.evil.com', 'http://localhost/path', 'localhost', 'http://localhost:3000, http://evil.com', '', 'http://user@localhost']) {
    const r = check(plain, { host: 'localhost:8080', origin });
    t.ok(r instanceof Rejection, `Origin ${JSON.stringify(origin)} refused`);
    t.equal(r?.status, 403);
    t.equal(r?.code, -32600);
    t.match(r?.reason, /^Origin /);
  }
});

t.test('§6 allowed_hosts: "name" on any port, "name:port" exactly, case-insensitive', async (t) => {
  const guard = guardOf({ allowedHosts: ['mcp.internal', 'Proxy.Example.com:8443', '[fe80::1]', '10.0.0.5:80', 'fd00::7'], allowedOrigins: [] });
  const allowed = ['mcp.internal', 'MCP.internal:9999', 'proxy.example.com:8443', 'PROXY.EXAMPLE.COM:8443', '[fe80::1]:8080', '10.0.0.5:80', '[fd00::7]:1', 'localhost:8080'];
  const refused = ['proxy.example.com', 'proxy.example.com:8080', '10.0.0.5', '10.0.0.5:8080', 'sub.mcp.internal', 'evil.com'];
  for (const host of allowed) t.equal(check(guard, { host }), undefined, `Host ${host} allowed`);
  for (const host of refused) t.equal(check(guard, { host })?.kind, 'HOST_NOT_ALLOWED', `Host ${host} refused`);
  t.equal(check(guard, { host: 'mcp.internal', origin: 'http://mcp.internal' })?.kind, 'HOST_NOT_ALLOWED', 'an allowed host does not allow that Origin');
});

t.test('§6 allowed_origins: exact origins and bare hostnames, case-insensitive', async (t) => {
  const guard = guardOf({ allowedHosts: [], allowedOrigins: ['https://app.example.com', 'HTTP://Tool.Example.com:3000/', 'studio.example.org', 'dev.example.net:5173'] });
  const allowed = ['https://app.example.com', 'HTTPS://APP.EXAMPLE.COM', 'http://tool.example.com:3000', 'https://studio.example.org', 'http://studio.example.org:8080', 'http://dev.example.net:5173', 'http://localhost:3000'];
  const refused = ['http://app.example.com', 'https://app.example.com:8443', 'http://tool.example.com', 'https://sub.studio.example.org', 'http://dev.example.net', 'http://dev.example.net:5174', 'null', 'https://evil.com'];
  for (const origin of allowed) t.equal(check(guard, { host: 'localhost:8080', origin }), undefined, `Origin ${origin} allowed`);
  for (const origin of refused) t.equal(check(guard, { host: 'localhost:8080', origin })?.kind, 'HOST_NOT_ALLOWED', `Origin ${origin} refused`);
  t.equal(check(guard, { host: 'evil.com', origin: 'https://app.example.com' })?.kind, 'HOST_NOT_ALLOWED', 'an allowed origin does not allow that Host');
  const withNull = guardOf({ allowedHosts: [], allowedOrigins: ['null'] });
  t.equal(check(withNull, { host: 'localhost', origin: 'null' }), undefined, '"null" is allowed only when listed');
});

t.test('§6 an unreadable allowed_hosts entry fails at construction, not per request', async (t) => {
  t.throws(() => guardOf({ allowedHosts: ['host:port'], allowedOrigins: [] }), /allowed_hosts/);
  t.throws(() => guardOf({ allowedHosts: [], allowedOrigins: ['[::1'] }), /allowed_origins/);
});

t.test('§1 dry-run notes say what was checked', async (t) => {
  const ok = makeContext({ headers: { host: 'localhost:8080' }, trace: true });
  t.equal(plain.handle(ok), undefined);
  t.equal(ok.note?.summary, 'Host localhost:8080 allowed');
  const withOrigin = makeContext({ headers: { host: 'localhost:8080', origin: 'http://localhost:3000' }, trace: true });
  plain.handle(withOrigin);
  t.equal(withOrigin.note?.summary, 'Host localhost:8080, Origin http://localhost:3000 allowed');
  const bad = makeContext({ headers: { host: 'evil.com' }, trace: true });
  t.ok(plain.handle(bad));
  t.equal(bad.note?.summary, 'Host "evil.com" not allowed');
  const badOrigin = makeContext({ headers: { host: 'localhost', origin: 'null' }, trace: true });
  t.ok(plain.handle(badOrigin));
  t.equal(badOrigin.note?.summary, 'Origin "null" not allowed');
  const quiet = makeContext({ headers: { host: 'localhost' } });
  plain.handle(quiet);
  t.equal(quiet.note, null, 'nothing formatted when not tracing');
});
