// SPEC §10 and §2: authz_config / authz_config_path are judged when the config is loaded, with
// JSON pointers; a policy that does not parse names its index, in the inline document and in a file.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfig, load, problems } from '../config/helpers.js';

const cedar = (policies: unknown[], extra: Record<string, unknown> = {}) => ({ version: '1.0', type: 'cedarv1', cedar: { policies, entities_json: '[]', ...extra } });

function dir(): string {
  return mkdtempSync(join(tmpdir(), 'thv-authz-'));
}

t.test('§10 a valid document loads; validate lists the stage', async (t) => {
  const r = load({ ...baseConfig(), authz_config: cedar(['permit(principal, action, resource);']) });
  t.equal(r.ok, true, problems(r).join('\n'));
});

t.test('§10 a policy with a syntax error is an error naming its index', async (t) => {
  const r = load({ ...baseConfig(), authz_config: cedar(['permit(principal, action, resource);', 'permit(principal action, resource);', 'permit(principal, action, resource) when { x };']) });
  const lines = problems(r);
  t.equal(lines.length, 2, lines.join('\n'));
  t.match(lines[0], /^\/authz_config\/cedar\/policies\/1: policy 1 does not parse: unexpected token/);
  t.match(lines[1], /^\/authz_config\/cedar\/policies\/2: policy 2 does not parse/);
});

t.test('§10 two policies in one entry, an empty one, a non-string: errors', async (t) => {
  const lines = problems(load({ ...baseConfig(), authz_config: cedar(['permit(principal, action, resource); forbid(principal, action, resource);', '']) }));
  t.match(lines, [/policies\/0: policy 0 does not parse/, /policies\/1: policy 1 does not parse/]);
  t.strictSame(problems(load({ ...baseConfig(), authz_config: cedar(['permit(principal, action, resource);', 3]) })), ['/authz_config/cedar/policies/1: must be a string, not an integer'], 'the schema');
});

t.test('§10 ToolHive\'s own refusals: no policies, other types, missing cedar, bad entities, bad group type', async (t) => {
  const cases: [unknown, RegExp][] = [
    [cedar([]), /^\/authz_config\/cedar\/policies: at least one policy is required/],
    [{ version: '1.0', type: 'httpv1' }, /^\/authz_config\/type: unsupported authorizer type "httpv1"/],
    [{ version: '1.0', type: 'cedarv1' }, /^\/authz_config\/cedar: cedar configuration is required/],
    [cedar(['permit(principal, action, resource);'], { entities_json: '{' }), /^\/authz_config\/cedar\/entities_json: failed to parse entities JSON/],
    [cedar(['permit(principal, action, resource);'], { entities_json: '[{"uid":{"type":"A"}}]' }), /^\/authz_config\/cedar\/entities_json: failed to parse entities JSON/],
    [cedar(['permit(principal, action, resource);'], { group_entity_type: 'Org::Team' }), /group_entity_type: group_entity_type "Org::Team" contains "::"/],
    [cedar(['permit(principal, action, resource);'], { group_entity_type: 'if' }), /is not a valid Cedar identifier/],
    [cedar(['permit(principal, action, resource);'], { primary_upstream_provider: 'github' }), /primary_upstream_provider: takes claims from the embedded authorization server/],
  ];
  for (const [doc, re] of cases) t.match(problems(load({ ...baseConfig(), authz_config: doc })), [re], JSON.stringify(doc).slice(0, 80));
});

t.test('§10 authz_config_path: the file is read at load; its problems name the file and the pointer inside it', async (t) => {
  const d = dir();
  const good = join(d, 'authz.json');
  writeFileSync(good, JSON.stringify(cedar(['permit(principal, action, resource);'])));
  t.equal(load({ ...baseConfig(), authz_config_path: good }).ok, true);
  const bad = join(d, 'bad.json');
  writeFileSync(bad, JSON.stringify(cedar(['permit(principal, action, resource);', 'permit(principal, action, resource) when { ;'])));
  t.match(problems(load({ ...baseConfig(), authz_config_path: bad })), [new RegExp(`^/authz_config_path: "${bad}" at /cedar/policies/1: policy 1 does not parse`)]);
  t.match(problems(load({ ...baseConfig(), authz_config_path: join(d, 'missing.json') })), [/^\/authz_config_path: cannot read ".*missing.json": no such file/]);
  const yaml = join(d, 'authz.yaml');
  writeFileSync(yaml, 'version: "1.0"\n');
  t.match(problems(load({ ...baseConfig(), authz_config_path: yaml })), [/YAML authorization files are not supported/]);
  const notJson = join(d, 'x.json');
  writeFileSync(notJson, '{');
  t.match(problems(load({ ...baseConfig(), authz_config_path: notJson })), [/is not valid JSON/]);
});

t.test('§10 authz_config_path wins over authz_config, as in ToolHive', async (t) => {
  const d = dir();
  const file = join(d, 'authz.json');
  writeFileSync(file, JSON.stringify(cedar(['permit(principal, action, resource);'])));
  const r = load({ ...baseConfig(), authz_config_path: file, authz_config: cedar(['not cedar']) });
  t.equal(r.ok, true, 'the inline document is not used');
  t.ok(r.warnings.includes('/authz_config: not used: authz_config_path is set and wins, as in ToolHive'), 'and a warning says so');
});

t.test('§10 tools_filter and tools_override: ToolHive\'s rules at load', async (t) => {
  t.match(problems(load({ ...baseConfig(), tools_filter: ['a', ''] })), [/^\/tools_filter\/1: tool name cannot be empty/]);
  t.match(problems(load({ ...baseConfig(), tools_override: { a: {} } })), [/^\/tools_override\/a: tool override for a must have either name or description set/]);
  t.match(problems(load({ ...baseConfig(), tools_override: { a: { name: 'x' }, b: { name: 'x' } } })), [/^\/tools_override\/b\/name: "x" is already the new name of "a"/]);
  t.equal(load({ ...baseConfig(), tools_filter: [], tools_override: {} }).ok, true, 'empty: nothing to do, as in ToolHive');
});

t.test('§2 ToolHive\'s authorization and tool-filter middleware_configs entries are mirrored by the typed fields', async (t) => {
  const entries = [{ type: 'authorization', parameters: { config_data: {} } }, { type: 'tool-filter', parameters: {} }, { type: 'tool-call-filter', parameters: {} }];
  const r = load({ ...baseConfig(), middleware_configs: entries, authz_config: cedar(['permit(principal, action, resource);']), tools_filter: ['echo'] });
  t.equal(r.ok, true, problems(r).join('\n'));
  t.match(problems(load({ ...baseConfig(), middleware_configs: entries })), [
    /^\/middleware_configs\/0\/type: ToolHive middleware "authorization" would run in a ToolHive replica, but thv-proxy builds it from authz_config\/authz_config_path only, which is not set/,
    /^\/middleware_configs\/1\/type/,
    /^\/middleware_configs\/2\/type/,
  ]);
});
