// SPEC §9 introspection, against a real local RFC 7662 endpoint: client credentials sent as HTTP
// Basic (RFC 6749 §2.3.1 form-encoded), answers cached (active until exp, inactive 30 s), the
// subject falls back to client_id, and a flood of new opaque tokens cannot become more than 64
// calls in flight to the provider.
import t from 'tap';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Introspector, INTROSPECTIONS_IN_FLIGHT } from '../../../src/auth/introspection.js';
import { IdpClient } from '../../../src/auth/idpClient.js';
import { silentLogger } from '../../../src/observability/logger.js';

let calls = 0;
let delayMs = 0;
let lastAuth = '';
const NOW = 1_800_000_000_000;
const server = http.createServer((req, res) => {
  calls++;
  lastAuth = String(req.headers.authorization);
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    const token = new URLSearchParams(body).get('token') ?? '';
    const answer =
      token.startsWith('active-')
        ? { active: true, client_id: token.slice(7), exp: NOW / 1000 + 600, iss: 'https://idp.example.com', aud: 'mcp' }
        : { active: false };
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)), delayMs);
  });
});
let url = '';
t.before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
});
t.teardown(() => server.close());

function introspector(clock: { now: number }): Introspector {
  const client = new IdpClient({ ca: undefined, allowPrivateIp: true, insecureAllowHttp: true, authTokenFile: undefined });
  t.teardown(() => client.close());
  return new Introspector(client, silentLogger(), { url, clientId: 'proxy client', clientSecret: 'p@ss:word', expected: { issuer: 'https://idp.example.com', audience: 'mcp' }, now: () => clock.now });
}

t.test('§9 credentials, subject fallback, caching of active and inactive answers', async (t) => {
  const clock = { now: NOW };
  const i = introspector(clock);
  calls = 0;
  const v = await i.introspect('active-bob');
  t.equal(v.ok && v.principal.sub, 'bob', 'client_id is the subject when sub is absent');
  t.equal(lastAuth, `Basic ${Buffer.from('proxy+client:p%40ss%3Aword').toString('base64')}`, 'id and secret form-encoded, then Basic');
  t.equal((i.introspect('active-bob') as { ok: boolean }).ok, true, 'cached: answered synchronously');
  t.equal(calls, 1);
  const inactive = await i.introspect('revoked');
  t.equal(inactive.ok, false);
  await i.introspect('revoked');
  t.equal(calls, 2, 'an inactive answer is cached too');
  clock.now += 31_000;
  await i.introspect('revoked');
  t.equal(calls, 3, 'for 30 s');
  clock.now = NOW + 661_000; // past exp + 60 s
  const late = await i.introspect('active-bob');
  t.equal(late.ok, false, 'a cached active answer whose token expired meanwhile is refused');
});

t.test('bad input: a flood of new opaque tokens -> at most 64 calls in flight, the rest refused (fail closed)', async (t) => {
  const i = introspector({ now: NOW });
  calls = 0;
  delayMs = 200;
  const verdicts = await Promise.all(Array.from({ length: 100 }, (_, n) => i.introspect(`made-up-${n}`)));
  delayMs = 0;
  t.equal(calls, INTROSPECTIONS_IN_FLIGHT);
  const refused = verdicts.filter((v) => !v.ok && /calls to the provider already in flight/.test(v.reason));
  t.equal(refused.length, 100 - INTROSPECTIONS_IN_FLIGHT);
  t.equal((await i.introspect('active-carol')).ok, true, 'once calls return, introspection works again');
});
