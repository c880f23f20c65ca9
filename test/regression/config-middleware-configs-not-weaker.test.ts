// SPEC §2 never silently weaker than ToolHive: a ToolHive runner given middleware_configs runs
// those entries. A bodylimit entry's max_bytes used to be ignored (thv-proxy kept 8 MiB where
// ToolHive enforced 10 bytes); entries whose parameters disagree with the typed fields thv-proxy
// builds the stage from (a tool-filter hiding more tools than tools_filter) were accepted.
import t from 'tap';
import { load, problems } from '../unit/config/helpers.js';

const stdio = { name: 'h', transport: 'stdio', command: 'node' };
const limit = (doc: Record<string, unknown>, overrides = {}): number => {
  const r = load(doc, overrides);
  if (!r.ok) throw new Error(problems(r).join('\n'));
  return r.config.maxBodyBytes;
};
const bodylimit = (parameters: unknown) => ({ ...stdio, middleware_configs: [{ type: 'bodylimit', parameters }] });

t.test('§2 bodylimit max_bytes is the body limit when it is the stricter one', async (t) => {
  t.equal(limit(bodylimit({ max_bytes: 10 })), 10);
  t.equal(limit(bodylimit({ MAX_BYTES: 10 })), 10, 'keys as Go reads them');
  t.equal(limit(bodylimit({ max_bytes: 8388608 })), 8388608, 'what the operator writes: no change');
  t.equal(limit(bodylimit({ max_bytes: 1 << 30 })), 8388608, 'a looser entry does not loosen thv-proxy');
  t.equal(limit({ ...bodylimit({ max_bytes: 4096 }), max_body_bytes: 1024 }), 1024, 'the stricter of the two');
  t.equal(limit(bodylimit({ max_bytes: 4096 }), { maxBodyBytes: 1 << 20 }), 4096, 'a looser --max-body too');
  for (const p of [{ max_bytes: 0 }, { max_bytes: -5 }, {}, null]) t.equal(limit(bodylimit(p), { maxBodyBytes: 16 << 20 }), 8 << 20, `ToolHive's 8 MiB fallback (pkg/bodylimit DefaultMaxRequestBodySize): ${JSON.stringify(p)}`);
  const two = { ...stdio, middleware_configs: [{ type: 'bodylimit', parameters: { max_bytes: 500 } }, { type: 'bodylimit', parameters: { max_bytes: 300 } }] };
  t.equal(limit(two), 300);
  const r = load({ ...bodylimit({ max_bytes: 10 }), max_body_bytes: 1024 });
  t.match(r.warnings, [/^middleware_configs\/0: bodylimit max_bytes 10 is stricter than max_body_bytes \(1024\): the body limit is 10 bytes$/]);
});

t.test('§2 a max_bytes ToolHive could not decode is an error at its pointer', async (t) => {
  t.strictSame(problems(load(bodylimit({ max_bytes: '10' }))), ['/middleware_configs/0/parameters/max_bytes: must be an integer (bytes), as ToolHive reads it; got "10"']);
  t.strictSame(problems(load(bodylimit({ max_bytes: 1.5 }))), ['/middleware_configs/0/parameters/max_bytes: must be an integer (bytes), as ToolHive reads it; got 1.5']);
});

t.test('§2 a tool-filter entry that hides tools tools_filter shows is an error naming the field', async (t) => {
  const doc = (filter: string[], entry: string[]) => ({ ...stdio, tools_filter: filter, middleware_configs: [{ type: 'tool-filter', parameters: { filter_tools: entry } }] });
  t.strictSame(problems(load(doc(['a', 'b'], ['a']))), [
    '/middleware_configs/0/parameters/filter_tools: ToolHive middleware "tool-filter" would apply this value, which is stricter than or differs from tools_filter (thv-proxy builds the stage from tools_filter only); make them agree, or pass --allow-unenforced middleware_configs',
  ]);
  t.equal(load(doc(['a', 'b'], ['b', 'a'])).ok, true, 'the same tools, in any order');
  t.equal(load(doc(['a'], ['a', 'b'])).ok, true, 'thv-proxy stricter: fine');
  t.equal(load(doc(['a'], [])).ok, true, 'an empty list filters nothing in ToolHive');
  const allowed = load(doc(['a', 'b'], ['a']), { allowUnenforced: ['middleware_configs'] });
  t.equal(allowed.ok, true);
  t.match(allowed.warnings, [/^middleware_configs\/0\/parameters\/filter_tools: ToolHive middleware "tool-filter" would apply this value, .*\(--allow-unenforced\)$/]);
});

t.test('§2 an entry carrying its own rate limits or webhooks that differ from the typed field is an error', async (t) => {
  const rl = { shared: { maxTokens: 100, refillPeriod: '1m0s' } };
  const base = { ...stdio, rate_limit_config: rl };
  const ratelimit = (parameters: unknown) => ({ ...base, middleware_configs: [{ type: 'ratelimit', parameters }] });
  t.equal(load(ratelimit({ namespace: 'default', server_name: 'h' }), { store: 'memory' }).ok, true, 'what the operator writes');
  t.equal(load(ratelimit({ namespace: 'default', server_name: 'h', config: rl, redis_addr: 'redis:6379', redis_db: 2 }), { store: 'memory' }).ok, true, 'where the buckets live is not an enforced copy (pkg/ratelimit MiddlewareParams)');
  t.equal(load(ratelimit({ config: rl }), { store: 'memory' }).ok, true, 'the same limits');
  t.match(problems(load(ratelimit({ config: { shared: { maxTokens: 1, refillPeriod: '1m0s' } } }), { store: 'memory' })), [/^\/middleware_configs\/0\/parameters\/config: ToolHive middleware "ratelimit" would apply this value, which is stricter than or differs from rate_limit_config/]);
  t.match(problems(load(ratelimit({ namespace: 'other' }), { store: 'memory' })), [/^\/middleware_configs\/0\/parameters\/namespace: .*rate_limit_namespace/]);
  t.match(problems(load(ratelimit({ burst: 1 }), { store: 'memory' })), [/^\/middleware_configs\/0\/parameters\/burst: ToolHive middleware "ratelimit" has a parameter thv-proxy cannot compare with rate_limit_config/]);

  const hook = { name: 'w', url: 'https://policy.example/v', failure_policy: 'fail' };
  const hooks = (entry: unknown[]) => ({ ...stdio, validating_webhooks: [hook], middleware_configs: [{ type: 'validating-webhook', parameters: { webhooks: entry } }] });
  t.equal(load(hooks([hook])).ok, true);
  const factory = { ...hooks([hook]), middleware_configs: [{ type: 'validating-webhook', parameters: { webhooks: [hook], server_name: 'h', transport: 'stdio' } }] };
  t.equal(load(factory).ok, true, "the factory's server_name and transport (pkg/webhook FactoryMiddlewareParams) are identity");
  t.equal(load(hooks([])).ok, true, 'an empty list: ToolHive calls none, thv-proxy is stricter');
  t.match(problems(load(hooks([{ ...hook, failure_policy: 'ignore' }, { ...hook, name: 'x' }]))), [/^\/middleware_configs\/0\/parameters\/webhooks: .*validating_webhooks/]);
});
