// §13 scaling_config.session_redis extensions: username, tls, cluster_mode, sentinel_config,
// sentinel_tls, dial_timeout — parsed into the typed config, PEM files read and parsed at load,
// and every misuse one error line with its JSON pointer (so `validate` refuses what `run` could
// not connect with).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { testCerts } from '../../helpers/certs.js';
import { baseConfig, load, problems } from './helpers.js';

const R = '/scaling_config/session_redis';
const certs = testCerts();
const PASSWORD = { THV_SESSION_REDIS_PASSWORD: 'pw-9d2e-secret' };

function withRedis(redis: Record<string, unknown>): Record<string, any> {
  const doc = baseConfig();
  doc.scaling_config.session_redis = redis;
  return doc;
}

t.test('§13 standalone with ACL user, TLS files read at load, server_name, dial_timeout', async (t) => {
  const r = load(
    withRedis({
      address: 'redis.internal:6380',
      username: 'thv-proxy',
      dial_timeout: '1.5s',
      tls: { ca_cert_path: certs.caCert, client_cert_path: certs.clientCert, client_key_path: certs.clientKey, server_name: 'redis.example.com' },
    }),
    {},
    PASSWORD,
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const redis = r.config.redis!;
  t.equal(redis.topology, 'standalone');
  t.equal(redis.host, 'redis.internal');
  t.equal(redis.port, 6380);
  t.equal(redis.username, 'thv-proxy');
  t.equal(redis.password, 'pw-9d2e-secret');
  t.equal(redis.dialTimeoutMs, 1500);
  t.ok(redis.tls!.ca!.equals(certs.read(certs.caCert)), 'the CA bundle bytes, read once');
  t.ok(redis.tls!.cert!.equals(certs.read(certs.clientCert)));
  t.ok(redis.tls!.key!.equals(certs.read(certs.clientKey)));
  t.equal(redis.tls!.serverName, 'redis.example.com');
  t.equal(redis.tls!.rejectUnauthorized, true);
  t.equal(redis.sentinelTls, null);
});

t.test('§13 tls: {} enables TLS with the system roots; insecure_skip_verify turns verification off', async (t) => {
  const plain = load(withRedis({ address: 'r:6379', tls: {} }));
  t.ok(plain.ok);
  if (plain.ok) t.strictSame(plain.config.redis!.tls, { ca: undefined, cert: undefined, key: undefined, serverName: undefined, rejectUnauthorized: true });
  const insecure = load(withRedis({ address: 'r:6379', tls: { insecure_skip_verify: true } }));
  if (insecure.ok) t.equal(insecure.config.redis!.tls!.rejectUnauthorized, false);
  else t.fail(JSON.stringify(insecure.errors));
});

t.test('§13 cluster_mode: the address is a seed node', async (t) => {
  const r = load(withRedis({ address: '10.0.0.5:7000', cluster_mode: true }));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  t.equal(r.config.redis!.topology, 'cluster');
  t.equal(r.config.redis!.address, '10.0.0.5:7000');
});

t.test('§13 sentinel_config: master name and sentinels, sentinel_tls, sentinel password from the environment', async (t) => {
  const r = load(
    withRedis({
      sentinel_config: { master_name: 'mymaster', sentinel_addrs: ['10.0.0.1:26379', '[::1]:26380'] },
      sentinel_tls: { ca_cert_path: certs.caCert },
    }),
    {},
    { THV_SESSION_REDIS_SENTINEL_PASSWORD: 'sentinel-pw' },
  );
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const redis = r.config.redis!;
  t.equal(redis.topology, 'sentinel');
  t.equal(redis.address, '');
  t.equal(redis.masterName, 'mymaster');
  t.strictSame(redis.sentinels, [{ host: '10.0.0.1', port: 26379 }, { host: '::1', port: 26380 }]);
  t.equal(redis.sentinelPassword, 'sentinel-pw');
  t.equal(redis.tls, null, 'tls (to the master) is separate from sentinel_tls');
  t.ok(redis.sentinelTls!.ca!.equals(certs.read(certs.caCert)));
});

t.test('§13 misuse: one error line each, with its pointer', async (t) => {
  const cases: { name: string; redis: Record<string, unknown>; env?: NodeJS.ProcessEnv; expect: string[] }[] = [
    {
      name: 'address and sentinel_config',
      redis: { address: 'r:6379', sentinel_config: { master_name: 'm', sentinel_addrs: ['s:26379'] } },
      expect: [`${R}/address: must not be set with sentinel_config: the sentinels name the master (remove one of the two)`],
    },
    {
      name: 'cluster_mode and sentinel_config',
      redis: { cluster_mode: true, sentinel_config: { master_name: 'm', sentinel_addrs: ['s:26379'] } },
      expect: [`${R}/cluster_mode: cannot be combined with sentinel_config: a Redis Cluster fails over by itself, without sentinels`],
    },
    {
      name: 'cluster_mode with a database other than 0',
      redis: { address: 'r:7000', cluster_mode: true, db: 2 },
      expect: [`${R}/db: must be 0 with cluster_mode: a Redis Cluster has only database 0 (got 2)`],
    },
    {
      name: 'a sentinel address that is not host:port',
      redis: { sentinel_config: { master_name: 'm', sentinel_addrs: ['s:26379', 'sentinel-2'] } },
      expect: [`${R}/sentinel_config/sentinel_addrs/1: must be "host:port" such as "127.0.0.1:6379" or "[::1]:6379", got "sentinel-2"`],
    },
    {
      name: 'sentinel_tls without sentinels',
      redis: { address: 'r:6379', sentinel_tls: {} },
      expect: [`${R}/sentinel_tls: applies to the connections to the sentinels: set sentinel_config too`],
    },
    {
      name: 'a client certificate without its key',
      redis: { address: 'r:6379', tls: { client_cert_path: certs.clientCert } },
      expect: [`${R}/tls/client_key_path: required with client_cert_path (the key of the client certificate)`],
    },
    {
      name: 'dial_timeout not a Go duration, or zero',
      redis: { address: 'r:6379', dial_timeout: '5' },
      expect: [`${R}/dial_timeout: time: missing unit in duration "5"; expected a Go duration such as "5s" or "500ms"`],
    },
    {
      name: 'dial_timeout zero',
      redis: { address: 'r:6379', dial_timeout: '0s' },
      expect: [`${R}/dial_timeout: must be greater than 0 (got "0s")`],
    },
    {
      name: 'an ACL user without THV_SESSION_REDIS_PASSWORD',
      redis: { address: 'r:6379', username: 'thv' },
      env: {},
      expect: [`${R}/username: needs a password: set the environment variable THV_SESSION_REDIS_PASSWORD`],
    },
    {
      name: 'sentinel_config without sentinels (schema)',
      redis: { sentinel_config: { master_name: 'm', sentinel_addrs: [] } },
      expect: [`${R}/sentinel_config/sentinel_addrs: must NOT have fewer than 1 items`],
    },
  ];
  for (const c of cases) {
    const r = load(withRedis(c.redis), {}, c.env ?? PASSWORD);
    t.strictSame(problems(r), c.expect, c.name);
  }
});

t.test('§2 TLS files: unreadable, not PEM, a key that is no key, a certificate that does not match its key', async (t) => {
  const dir = certs.dir;
  const notPem = join(dir, 'not-pem.txt');
  writeFileSync(notPem, 'hello\n');
  const r = load(
    withRedis({
      sentinel_config: { master_name: 'm', sentinel_addrs: ['s:26379'] },
      tls: { ca_cert_path: join(dir, 'missing.crt'), client_cert_path: certs.serverCert, client_key_path: certs.clientKey },
      sentinel_tls: { ca_cert_path: notPem, client_cert_path: certs.clientCert, client_key_path: notPem },
    }),
  );
  // OpenSSL's own words after the colon differ between versions: match up to them.
  const lines = problems(r);
  t.equal(lines.length, 5, lines.join('\n'));
  t.equal(lines[0], `${R}/tls/ca_cert_path: cannot read ${JSON.stringify(join(dir, 'missing.crt'))} (no such file)`);
  t.match(lines[1], `${R}/tls/client_cert_path: ${JSON.stringify(certs.serverCert)} and its key cannot be used together: `);
  t.equal(lines[2], `${R}/sentinel_tls/ca_cert_path: ${JSON.stringify(notPem)} is not a PEM CA bundle: no PEM certificate in it`);
  t.match(lines[3], `${R}/sentinel_tls/client_key_path: ${JSON.stringify(notPem)} is not a PEM private key: `);
  t.match(lines[4], `${R}/sentinel_tls/client_cert_path: ${JSON.stringify(certs.clientCert)} and its key cannot be used together: `);
});

t.test('§13 the files are not read when rate limiting does not use Redis (--store memory)', async (t) => {
  const r = load(withRedis({ address: 'r:6379', tls: { ca_cert_path: '/nonexistent/ca.crt' } }), { store: 'memory' });
  t.ok(r.ok);
});

t.test('§8 the password never appears in a problem or a warning', async (t) => {
  const r = load(withRedis({ address: 'r', username: 'thv', tls: { client_cert_path: '/x' } }), {}, PASSWORD);
  t.notOk(r.ok);
  t.notMatch(JSON.stringify(r), /pw-9d2e-secret/);
});
