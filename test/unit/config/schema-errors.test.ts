// §2 schema errors read as "<JSON pointer>: <what is expected>", never ajv's raw output;
// ToolHive's own fields are accepted with a warning, anything else unknown is an error.
import t from 'tap';
import { baseConfig, load, problems } from './helpers.js';

const cases: { name: string; mutate: (c: Record<string, any>) => void; expect: string[] }[] = [
  { name: 'unknown top-level field', mutate: (c) => (c.foo = 1), expect: ['/foo: unknown field "foo"'] },
  { name: 'unknown nested field with a suggestion', mutate: (c) => (c.rate_limit_config.shared.max_tokens = 3), expect: ['/rate_limit_config/shared/max_tokens: unknown field "max_tokens" (did you mean "maxTokens"?)'] },
  { name: 'typo of a top-level field', mutate: (c) => (c.cmd_arg = []), expect: ['/cmd_arg: unknown field "cmd_arg" (did you mean "cmd_args"?)'] },
  { name: 'maxTokens 0', mutate: (c) => (c.rate_limit_config.shared.maxTokens = 0), expect: ['/rate_limit_config/shared/maxTokens: must be an integer >= 1'] },
  { name: 'maxTokens fractional', mutate: (c) => (c.rate_limit_config.shared.maxTokens = 1.5), expect: ['/rate_limit_config/shared/maxTokens: must be an integer, not a number'] },
  { name: 'maxTokens as a string', mutate: (c) => (c.rate_limit_config.shared.maxTokens = '10'), expect: ['/rate_limit_config/shared/maxTokens: must be an integer, not a string'] },
  { name: 'missing required field', mutate: (c) => delete c.name, expect: ['/name: missing required field "name" (a string)'] },
  { name: 'missing refillPeriod', mutate: (c) => delete c.rate_limit_config.tools[0].shared.refillPeriod, expect: ['/rate_limit_config/tools/0/shared/refillPeriod: missing required field "refillPeriod" (a string)'] },
  { name: 'port out of range', mutate: (c) => (c.port = 70000), expect: ['/port: must be an integer between 0 and 65535'] },
  { name: 'bad transport', mutate: (c) => (c.transport = 'websocket'), expect: ['/transport: must be one of "streamable-http", "sse", "stdio"'] },
  { name: 'empty name', mutate: (c) => (c.name = ''), expect: ['/name: must not be empty'] },
  { name: 'cmd_args item of the wrong type', mutate: (c) => (c.cmd_args = ['a', 2]), expect: ['/cmd_args/1: must be a string, not an integer'] },
  { name: 'env_vars value of the wrong type', mutate: (c) => (c.env_vars = { A: true }), expect: ['/env_vars/A: must be a string, not a boolean'] },
  { name: 'bad failure_policy', mutate: (c) => (c.validating_webhooks = [{ name: 'p', url: 'https://x.example/', failure_policy: 'maybe' }]), expect: ['/validating_webhooks/0/failure_policy: must be one of "fail", "ignore"'] },
  { name: 'webhook URL that is not a URL', mutate: (c) => (c.validating_webhooks = [{ name: 'p', url: 'not a url', failure_policy: 'fail' }]), expect: ['/validating_webhooks/0/url: must be an absolute URL such as "https://host:port/path"'] },
  { name: 'webhook timeout of the wrong type', mutate: (c) => (c.validating_webhooks = [{ name: 'p', url: 'https://x.example/', failure_policy: 'fail', timeout: true }]), expect: ['/validating_webhooks/0/timeout: must be a string or an integer, not a boolean'] },
  { name: 'schema_version', mutate: (c) => (c.schema_version = 'v2'), expect: ['/schema_version: must be one of "v0.1.0"'] },
  { name: 'a field name with a slash is escaped in the pointer', mutate: (c) => (c['a/b~c'] = 1), expect: ['/a~1b~0c: unknown field "a/b~c"'] },
];

t.test('§2 schema errors: pointer and a human message', async (t) => {
  for (const c of cases) {
    const doc = baseConfig();
    c.mutate(doc);
    t.strictSame(problems(load(doc)), c.expect, c.name);
  }
});

t.test('§2 a file that is not an object', async (t) => {
  t.strictSame(problems(load('[1,2]')), [': the file must hold a JSON object, not an array']);
  t.strictSame(problems(load('"x"')), [': the file must hold a JSON object, not a string']);
});

t.test('§2 JSON syntax errors carry line and column', async (t) => {
  t.strictSame(problems(load('{\n  "name": "x",\n  "port": ,\n}')), [': not valid JSON at line 3, column 11: expected a value, found ","']);
  t.strictSame(problems(load('{"name": "x"')), [": not valid JSON at line 1, column 13: expected ',' or '}', found the end of the file"]);
  t.strictSame(problems(load('')), [': the file is empty (expected a JSON object)']);
  t.strictSame(problems(load("{'name': 'x'}")), [': not valid JSON at line 1, column 2: expected a property name in double quotes, found "\'"']);
});

t.test('§2 ToolHive fields are accepted with a warning', async (t) => {
  const doc = baseConfig();
  doc.image = 'ghcr.io/example/server:1';
  doc.permission_profile = { network: {} };
  doc.debug = true;
  doc.scaling_config.backend_replicas = 3;
  const r = load(doc);
  t.equal(r.ok, true);
  t.strictSame([...r.warnings].sort(), [
    'debug is a ToolHive field thv-proxy ignores',
    'image is a ToolHive field thv-proxy ignores',
    'permission_profile is a ToolHive field thv-proxy ignores',
    'scaling_config.backend_replicas is a ToolHive field thv-proxy ignores',
  ]);
});
