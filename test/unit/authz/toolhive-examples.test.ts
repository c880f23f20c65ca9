// SPEC §10: the Cedar examples of ToolHive's own documentation (docs/authz.md at stacklok/toolhive
// e25de16), evaluated by the real engine in ToolHive's entity model, against the decisions
// ToolHive's code makes for them. Two documented examples do not allow in ToolHive itself (its
// numbers are Cedar decimals; its request entities replace entities_json ones): the table keeps
// ToolHive's real decision, with the reason.

import t from 'tap';
import { Authorizer, type Feature } from '../../../src/authz/authorizer.js';
import { compileAuthz } from '../../../src/authz/config.js';
import { cedarPrincipal } from '../../../src/authz/principal.js';
import { argumentAttributes } from '../../../src/authz/values.js';

function authorizer(policies: string[], entities = '[]'): Authorizer {
  const problems: string[] = [];
  const params = compileAuthz({ config: { version: '1.0', type: 'cedarv1', cedar: { policies, entities_json: entities } }, path: null }, (p, m) => problems.push(`${p}: ${m}`));
  if (params === null) throw new Error(problems.join('\n'));
  return new Authorizer(params, 'test-server');
}

const SETTINGS = { groupClaimName: '', roleClaimName: '', groupEntityType: 'THVGroup', multiValuedClaims: [] };

interface Row {
  readonly name: string;
  readonly policies: string[];
  readonly entities?: string;
  readonly sub?: string;
  readonly claims?: Record<string, unknown>;
  readonly feature: Feature;
  readonly resource: string;
  readonly args?: Record<string, unknown>;
  readonly allowed: boolean;
}

const WEATHER = 'permit(principal, action == Action::"call_tool", resource == Tool::"weather");';

const ROWS: Row[] = [
  { name: 'allow a specific tool', policies: [WEATHER], feature: 'tool', resource: 'weather', allowed: true },
  { name: 'another tool: default deny', policies: [WEATHER], feature: 'tool', resource: 'news', allowed: false },
  { name: 'a tool policy does not allow a prompt of the same name', policies: [WEATHER], feature: 'prompt', resource: 'weather', allowed: false },
  { name: 'allow a specific prompt', policies: ['permit(principal, action == Action::"get_prompt", resource == Prompt::"greeting");'], feature: 'prompt', resource: 'greeting', allowed: true },
  { name: 'allow a specific resource', policies: ['permit(principal, action == Action::"read_resource", resource == Resource::"data");'], feature: 'resource', resource: 'data', allowed: true },
  {
    name: 'a URI-shaped resource is named by its exact URI',
    policies: ['permit(principal, action == Action::"read_resource", resource == Resource::"file:///etc/passwd");'],
    feature: 'resource',
    resource: 'file:///etc/passwd',
    allowed: true,
  },
  { name: 'a specific client may call any tool', policies: ['permit(principal == Client::"user123", action == Action::"call_tool", resource);'], sub: 'user123', feature: 'tool', resource: 'anything', allowed: true },
  { name: '... and nobody else', policies: ['permit(principal == Client::"user123", action == Action::"call_tool", resource);'], sub: 'user456', feature: 'tool', resource: 'anything', allowed: false },
  { name: 'role claim admin', policies: ['permit(principal, action == Action::"call_tool", resource) when { principal.claim_roles.contains("admin") };'], claims: { roles: ['admin'] }, feature: 'tool', resource: 'x', allowed: true },
  { name: 'role claim without admin', policies: ['permit(principal, action == Action::"call_tool", resource) when { principal.claim_roles.contains("admin") };'], claims: { roles: ['user'] }, feature: 'tool', resource: 'x', allowed: false },
  { name: 'no roles claim: the policy fails to evaluate, which denies', policies: ['permit(principal, action == Action::"call_tool", resource) when { principal.claim_roles.contains("admin") };'], feature: 'tool', resource: 'x', allowed: false },
  {
    name: 'calculator: add is allowed (resource.arg_operation)',
    policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"calculator") when { resource.arg_operation == "add" || resource.arg_operation == "subtract" };'],
    feature: 'tool',
    resource: 'calculator',
    args: { operation: 'add', a: 1, b: 2 },
    allowed: true,
  },
  {
    name: 'calculator: multiply is not',
    policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"calculator") when { resource.arg_operation == "add" || resource.arg_operation == "subtract" };'],
    feature: 'tool',
    resource: 'calculator',
    args: { operation: 'multiply' },
    allowed: false,
  },
  { name: 'principal.claim_name', policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"weather") when { principal.claim_name == "John Doe" };'], claims: { name: 'John Doe' }, feature: 'tool', resource: 'weather', allowed: true },
  { name: 'context.claim_name', policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"weather") when { context.claim_name == "John Doe" };'], claims: { name: 'Jane Roe' }, feature: 'tool', resource: 'weather', allowed: false },
  {
    name: 'resource.arg_location',
    policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"weather") when { resource.arg_location == "New York" || resource.arg_location == "London" };'],
    feature: 'tool',
    resource: 'weather',
    args: { location: 'London' },
    allowed: true,
  },
  {
    name: 'context.arg_location elsewhere',
    policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"weather") when { context.arg_location == "New York" || context.arg_location == "London" };'],
    feature: 'tool',
    resource: 'weather',
    args: { location: 'Paris' },
    allowed: false,
  },
  {
    // Documented as allowing; in ToolHive both numbers are Cedar decimals (Go float64), and `<=`
    // on decimals is a type error in Cedar: the policy fails, the request is denied.
    name: 'claims and arguments combined (numbers compared with <=): denied, as in ToolHive',
    policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"sensitive_data") when { principal.claim_roles.contains("data_analyst") && resource.arg_data_level <= principal.claim_clearance_level };'],
    claims: { roles: ['data_analyst'], clearance_level: 5 },
    feature: 'tool',
    resource: 'sensitive_data',
    args: { data_level: 3 },
    allowed: false,
  },
  {
    name: 'numbers compare as decimals: .lessThanOrEqual works',
    policies: ['permit(principal, action == Action::"call_tool", resource == Tool::"sensitive_data") when { resource.arg_data_level.lessThanOrEqual(principal.claim_clearance_level) };'],
    claims: { clearance_level: 5 },
    feature: 'tool',
    resource: 'sensitive_data',
    args: { data_level: 3 },
    allowed: true,
  },
  {
    // Documented entity attributes: ToolHive merges the request's own Tool::"weather" over the one
    // from entities_json, so `owner` is gone and the policy fails: denied in ToolHive too.
    name: 'entities_json attributes of the requested resource are replaced by the request entity',
    policies: ['permit(principal, action == Action::"call_tool", resource) when { resource.owner == principal.claim_sub };'],
    entities: JSON.stringify([{ uid: { type: 'Tool', id: 'weather' }, attrs: { owner: 'user123' }, parents: [] }]),
    sub: 'user123',
    feature: 'tool',
    resource: 'weather',
    allowed: false,
  },
  { name: 'group claim: principal in THVGroup', policies: ['permit(principal in THVGroup::"eng", action == Action::"call_tool", resource);'], claims: { groups: ['eng', 'ops'] }, feature: 'tool', resource: 'deploy', allowed: true },
  { name: 'group claim: not in the group', policies: ['permit(principal in THVGroup::"eng", action == Action::"call_tool", resource);'], claims: { groups: ['sales'] }, feature: 'tool', resource: 'deploy', allowed: false },
  {
    name: 'group hierarchy from entities_json',
    policies: ['permit(principal in THVGroup::"staff", action == Action::"call_tool", resource);'],
    entities: JSON.stringify([{ uid: { type: 'THVGroup', id: 'eng' }, attrs: {}, parents: [{ type: 'THVGroup', id: 'staff' }] }]),
    claims: { groups: ['eng'] },
    feature: 'tool',
    resource: 'deploy',
    allowed: true,
  },
  { name: 'forbid wins over permit', policies: ['permit(principal, action, resource);', 'forbid(principal, action == Action::"call_tool", resource == Tool::"delete");'], feature: 'tool', resource: 'delete', allowed: false },
  { name: 'permit everything else', policies: ['permit(principal, action, resource);', 'forbid(principal, action == Action::"call_tool", resource == Tool::"delete");'], feature: 'tool', resource: 'read', allowed: true },
  { name: 'server-scoped policy: resource in MCP::"<name>"', policies: ['permit(principal, action, resource in MCP::"test-server");'], feature: 'prompt', resource: 'p', allowed: true },
  { name: 'another server', policies: ['permit(principal, action, resource in MCP::"other");'], feature: 'prompt', resource: 'p', allowed: false },
  { name: 'resource.name and feature attributes', policies: ['permit(principal, action, resource) when { resource.feature == "resource" && resource.uri like "s3://public/*" };'], feature: 'resource', resource: 's3://public/a.txt', allowed: true },
  { name: 'an argument object is only present', policies: ['permit(principal, action, resource) when { context.arg_filter_present };'], feature: 'tool', resource: 'search', args: { filter: { a: 1 } }, allowed: true },
];

t.test('§10 ToolHive\'s documented Cedar examples: request -> decision', async (t) => {
  for (const row of ROWS) {
    const a = authorizer(row.policies, row.entities);
    const p = cedarPrincipal(row.sub ?? 'alice', { sub: row.sub ?? 'alice', ...row.claims }, SETTINGS);
    const d = a.decide(p, row.feature, row.resource, argumentAttributes(row.args ?? {}));
    t.equal(d.allowed, row.allowed, `${row.name}${d.errors.length ? ` (${d.errors.join('; ')})` : ''}`);
  }
});

t.test('§10 dry-run facts: the determining policies are named policy<index>', async (t) => {
  const a = authorizer(['permit(principal, action == Action::"call_tool", resource == Tool::"a");', 'permit(principal, action, resource);', 'forbid(principal, action, resource == Tool::"b");']);
  const p = cedarPrincipal('alice', { sub: 'alice' }, SETTINGS);
  t.strictSame([...a.decide(p, 'tool', 'a', {}).policies].sort(), ['policy0', 'policy1']);
  const denied = a.decide(p, 'tool', 'b', {});
  t.equal(denied.allowed, false);
  t.strictSame(denied.policies, ['policy2']);
  t.equal(denied.resource, 'Tool::"b"');
});
