// SPEC §1 §2 §10 from the command line: `validate` refuses a policy that does not parse, naming its
// index (inline and in an authz_config_path file), and prints the stages when valid; `dry-run`
// names the policy that decided (Cedar's determining policies) and exits 4 on a denial.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runCli, writeConfigFile } from '../helpers/proxy.js';

const POLICIES = [
  'permit(principal, action == Action::"call_tool", resource == Tool::"echo");',
  'forbid(principal, action == Action::"call_tool", resource) when { context has arg_path && context.arg_path like "/etc/*" };',
];

function config(extra: Record<string, unknown>): Record<string, unknown> {
  return { name: 'cli-authz', transport: 'streamable-http', target_port: 9, port: 0, ...extra };
}

const cedar = (policies: string[]) => ({ version: '1.0', type: 'cedarv1', cedar: { policies } });

t.test('§2 §10 validate: a policy with a syntax error is refused with its index', async (t) => {
  const path = writeConfigFile(config({ authz_config: cedar([POLICIES[0]!, 'permit(principal, action resource);']) }) as never);
  const r = await runCli(['validate', path]);
  t.equal(r.code, 1);
  t.match(r.stderr, /\/authz_config\/cedar\/policies\/1: policy 1 does not parse: unexpected token `resource`/);
  const j = await runCli(['validate', path, '--json']);
  t.equal(j.code, 1);
  t.match(JSON.parse(j.stdout), { valid: false, errors: [{ path: '/authz_config/cedar/policies/1', message: /^policy 1 does not parse/ }] });
});

t.test('§2 §10 validate: the same in an authz_config_path file', async (t) => {
  const path = writeConfigFile(config({}) as never);
  const file = join(dirname(path), 'authz.json');
  writeFileSync(file, JSON.stringify(cedar(['permit(principal, action, resource);', 'permit(principal, action, resource);', 'permit(']), null, 2));
  writeFileSync(path, JSON.stringify(config({ authz_config_path: file })));
  const r = await runCli(['validate', path]);
  t.equal(r.code, 1);
  t.match(r.stderr, new RegExp(`/authz_config_path: "${file}" at /cedar/policies/2: policy 2 does not parse`));
});

t.test('§1 §10 validate prints the tool filter and the authorization stage in chain order', async (t) => {
  const path = writeConfigFile(config({ authz_config: cedar(POLICIES), tools_filter: ['say'], tools_override: { echo: { name: 'say' } } }) as never);
  const r = await runCli(['validate', path]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /\d\. parser: [^\n]*\n\d\. tool-filter: only say; echo -> say\n[\s\S]*\d\. authorization: Cedar \(cedarv1, authz_config\): 2 policies, 0 entities/);
});

t.test('§1 §10 dry-run names the policy that decided', async (t) => {
  const path = writeConfigFile(config({ authz_config: cedar(POLICIES), tools_override: { echo: { name: 'say' } } }) as never);
  const call = (args: Record<string, unknown>) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'say', arguments: args } });
  const denied = await runCli(['dry-run', '--config', path, '--request', call({ path: '/etc/passwd' })]);
  t.equal(denied.code, 4);
  t.match(denied.stdout, /tool-filter: "say" -> "echo"/);
  t.match(denied.stdout, /authorization: denied: Client::"[^"]+" Action::"call_tool" on Tool::"echo" by policy1 \(forbid\)/);
  t.match(denied.stdout, /HTTP\/1\.1 403 Forbidden[\s\S]*\{"jsonrpc":"2\.0","id":1,"error":\{"code":403,"message":"Unauthorized"\}\}/);
  const allowed = await runCli(['dry-run', '--config', path, '--request', call({ path: '/tmp/x' }), '--json']);
  t.equal(allowed.code, 0, allowed.stderr);
  const stage = (JSON.parse(allowed.stdout) as { stages: { stage: string; facts?: Record<string, unknown> }[] }).stages.find((s) => s.stage === 'authorization');
  t.match(stage?.facts, { decision: 'allow', policies: ['policy0'], texts: [POLICIES[0]], resource: 'Tool::"echo"' });
  const nobody = await runCli(['dry-run', '--config', path, '--request', JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'other' } })]);
  t.equal(nobody.code, 4);
  t.match(nobody.stdout, /no policy permits it \(default deny\)/);
});
