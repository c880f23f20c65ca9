// A listener outside loopback without oidc_config has nothing in front of the tools: the loader
// says so, so `validate` prints it and `run` logs it at startup.
import t from 'tap';
import { baseConfig, load, problems } from './helpers.js';

function warnings(host: string | undefined, overrides: { host?: string; port?: number } = {}, port = 8080): readonly string[] {
  const doc = baseConfig();
  if (host !== undefined) doc.host = host;
  doc.port = port;
  const r = load(doc, overrides);
  if (!r.ok) throw new Error(problems(r).join('\n'));
  return r.warnings;
}

t.test('every interface (0.0.0.0, ::) without authentication is warned about', async (t) => {
  t.strictSame(warnings('0.0.0.0'), ['listening on every interface (0.0.0.0) without authentication: anyone who can reach port 8080 can call every tool of "everything"']);
  t.strictSame(warnings('::'), ['listening on every interface (::) without authentication: anyone who can reach port 8080 can call every tool of "everything"']);
  // Brackets are dropped at load: a socket is given the bare address ("[::]" used to fail at run).
  t.match(warnings('[::]'), [/^listening on every interface \(::\)/]);
  t.match(warnings('0:0:0:0:0:0:0:0'), [/^listening on every interface/]);
});

t.test('a non-loopback address or name is warned about', async (t) => {
  t.strictSame(warnings('10.1.2.3'), ['listening on 10.1.2.3, not a loopback address, without authentication: anyone who can reach port 8080 can call every tool of "everything"']);
  t.match(warnings('mcp.internal', {}, 0), [/^listening on mcp\.internal, not a loopback address, without authentication: anyone who can reach its port can call/]);
});

t.test('--host wins over the file, for the warning too', async (t) => {
  t.match(warnings('127.0.0.1', { host: '0.0.0.0' }), [/every interface \(0\.0\.0\.0\)/]);
  t.strictSame(warnings('0.0.0.0', { host: '127.0.0.1' }), []);
});

t.test('loopback listeners are not warned about', async (t) => {
  for (const host of [undefined, '127.0.0.1', '127.0.0.2', 'localhost', '::1', '[::1]']) t.strictSame(warnings(host), [], String(host));
});

t.test('every spelling of a loopback address counts as loopback (no warning)', async (t) => {
  for (const host of ['LOCALHOST', 'localhost.', '::ffff:127.0.0.1', '0:0:0:0:0:0:0:1']) t.strictSame(warnings(host), [], host);
});

t.test('§9 with oidc_config every request needs a token: no warning', async (t) => {
  const doc = baseConfig();
  doc.host = '0.0.0.0';
  doc.oidc_config = { issuer: 'https://idp.example.com', audience: 'https://mcp.example.com/mcp' };
  const r = load(doc);
  t.equal(r.ok, true, problems(r).join('\n'));
  t.strictSame(r.warnings, []);
});
