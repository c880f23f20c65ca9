// SPEC §13 session_redis.tls against a real redis-server with a TLS port and certificates made by
// openssl (test/helpers/certs.ts): a verified connection with a client certificate
// (tls-auth-clients yes) holds the limits; a wrong CA, a missing client certificate or a name
// the certificate does not carry fails startup with exit 3 naming the address and the cause;
// server_name and insecure_skip_verify do what they say.
import t from 'tap';
import { testCerts } from '../helpers/certs.js';
import { startInProcess } from '../helpers/proxy.js';
import { startRedis, type RedisHandle } from '../helpers/redis.js';
import { callTool, limitedToolConfig, runExpectingFailure, startSentinelSetup } from '../helpers/redisTopology.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';

const certs = testCerts();
let redis: RedisHandle;
let upstreamPort: number;
let address: string;

t.before(async () => {
  redis = await startRedis({ tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert, authClients: true } });
  address = `127.0.0.1:${redis.tlsPort}`;
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  upstreamPort = upstream.port;
  t.teardown(() => upstream.close());
});
t.teardown(() => redis.stop());

const mutualTls = { ca_cert_path: certs.caCert, client_cert_path: certs.clientCert, client_key_path: certs.clientKey };

t.test('§13 verified TLS with a client certificate: the buckets live on the TLS server and hold', async (t) => {
  const proxy = await startInProcess(limitedToolConfig(upstreamPort, 'tls-ok', { address, tls: mutualTls }, 2));
  t.teardown(() => proxy.close());
  t.same([await callTool(proxy.url), await callTool(proxy.url), await callTool(proxy.url)], [200, 200, 429]);
  const tokens = Number(await redis.cli('HGET', 'thv:rl:{default:tls-ok}:shared:tool:search', 'tokens'));
  t.ok(tokens < 1, `the emptied bucket, read through the plaintext admin port (${tokens})`);
  t.ok(
    proxy.logs.some((l) => l.msg === `rate limits stored in Redis at ${address} (connected, TLS)`),
    'the startup line says TLS',
  );
});

t.test('§13 server_name: the name Redis\'s certificate must carry, whatever address is dialled', async (t) => {
  const ok = await startInProcess(limitedToolConfig(upstreamPort, 'tls-sni', { address, tls: { ...mutualTls, server_name: 'localhost' } }, 1));
  t.teardown(() => ok.close());
  t.equal(await callTool(ok.url), 200, 'the certificate names localhost');
  const bad = await runExpectingFailure(limitedToolConfig(upstreamPort, 'tls-sni-bad', { address, tls: { ...mutualTls, server_name: 'redis.example.com' }, dial_timeout: '2s' }, 1));
  t.equal(bad.code, 3);
  t.match(bad.stderr, `Redis at ${address} is unreachable: Hostname/IP does not match certificate's altnames`);
});

t.test('§1/§13 a CA that did not issue Redis\'s certificate: exit 3 with a clear message; insecure_skip_verify connects anyway', async (t) => {
  const wrongCa = { ...mutualTls, ca_cert_path: certs.selfSignedCert };
  const r = await runExpectingFailure(limitedToolConfig(upstreamPort, 'tls-wrong-ca', { address, tls: wrongCa, dial_timeout: '2s' }, 1));
  t.equal(r.code, 3);
  t.match(r.stderr, new RegExp(`Redis at ${address.replace(/\./g, '\\.')} is unreachable: (self-signed certificate in certificate chain|unable to verify the first certificate|unable to get local issuer certificate)`));
  t.notMatch(r.stderr, /\n\s+at /, 'no stack trace');

  const insecure = await startInProcess(limitedToolConfig(upstreamPort, 'tls-insecure', { address, tls: { ...wrongCa, insecure_skip_verify: true } }, 1));
  t.teardown(() => insecure.close());
  t.same([await callTool(insecure.url), await callTool(insecure.url)], [200, 429]);
});

t.test('§1/§13 tls-auth-clients yes and no client certificate: exit 3 within dial_timeout', async (t) => {
  const started = Date.now();
  const r = await runExpectingFailure(limitedToolConfig(upstreamPort, 'tls-no-client-cert', { address, tls: { ca_cert_path: certs.caCert }, dial_timeout: '1500ms' }, 1));
  t.equal(r.code, 3);
  // Usually OpenSSL's alert; when the server's close wins the race, the reset that follows it.
  t.match(r.stderr, new RegExp(`Redis at ${address} is unreachable: (TLS handshake failed: tlsv13 alert certificate required|(read|write) ECONNRESET|Client network socket disconnected|Connection is closed)`));
  t.ok(Date.now() - started < 6000, `gave up after ${Date.now() - started} ms`);
});

t.test('§1 plaintext against the TLS port: exit 3, not a hang', async (t) => {
  const r = await runExpectingFailure(limitedToolConfig(upstreamPort, 'tls-plaintext', { address, dial_timeout: '1s' }, 1));
  t.equal(r.code, 3);
  t.match(r.stderr, `Redis at ${address} is unreachable`);
});

t.test('§13 Sentinel over TLS: sentinel_tls to the sentinels, tls to the master they name', async (t) => {
  const setup = await startSentinelSetup({ replicas: 0, sentinels: 1, tls: { cert: certs.serverCert, key: certs.serverKey, ca: certs.caCert } });
  t.teardown(() => setup.stop());
  const sentinel = { master_name: setup.masterName, sentinel_addrs: [...setup.sentinelAddrs] };
  const proxy = await startInProcess(
    limitedToolConfig(upstreamPort, 'tls-sentinel', { sentinel_config: sentinel, sentinel_tls: { ca_cert_path: certs.caCert }, tls: { ca_cert_path: certs.caCert } }, 1),
  );
  t.teardown(() => proxy.close());
  t.same([await callTool(proxy.url), await callTool(proxy.url)], [200, 429]);
  t.equal(await setup.servers[0]!.cli('EXISTS', 'thv:rl:{default:tls-sentinel}:shared:tool:search'), '1', 'the bucket is on the master');
  // Without `tls` the master the sentinels name (a TLS port) is dialled in plaintext: exit 3.
  const plainMaster = await runExpectingFailure(
    limitedToolConfig(upstreamPort, 'tls-sentinel-plain', { sentinel_config: sentinel, sentinel_tls: { ca_cert_path: certs.caCert }, dial_timeout: '2s' }, 1),
  );
  t.equal(plainMaster.code, 3);
  t.match(plainMaster.stderr, `Redis master "${setup.masterName}" via Sentinel ${setup.sentinelAddrs[0]} is unreachable`);
});
