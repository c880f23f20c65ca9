// `validate` names where the buckets live — address, topology, TLS, ACL user — never the password.
import t from 'tap';
import { planChain } from '../../../src/chain/plan.js';
import { baseConfig, load, problems } from '../config/helpers.js';

function rateLimitLine(redis: Record<string, unknown>, store: 'redis' | 'memory' = 'redis'): string {
  const r = load({ ...baseConfig(), scaling_config: { session_redis: redis } }, { store }, { THV_SESSION_REDIS_PASSWORD: 'pw-secret-1' });
  if (!r.ok) throw new Error(problems(r).join('\n'));
  return planChain(r.config).stages.find((s) => s.type === 'rate-limit')!.summary;
}

t.test('§13 the rate-limit line names the store and its topology', async (t) => {
  t.match(rateLimitLine({ address: '10.0.0.5:6380', db: 2 }), /; store redis 10\.0\.0\.5:6380 db 2; namespace default$/);
  t.match(rateLimitLine({ address: 'r:6379', username: 'thv', tls: {} }), /store redis r:6379 db 0, TLS, user thv;/);
  t.match(rateLimitLine({ address: 'seed:7000', cluster_mode: true }), /store redis Cluster \(seed seed:7000\);/);
  t.match(rateLimitLine({ sentinel_config: { master_name: 'mymaster', sentinel_addrs: ['s1:26379', 's2:26379'] } }), /store redis master "mymaster" via Sentinel s1:26379 s2:26379;/);
  t.match(rateLimitLine({ address: 'r:6379' }, 'memory'), /; store memory;/);
  t.notMatch(rateLimitLine({ address: 'r:6379', username: 'thv' }), /pw-secret-1/);
});
