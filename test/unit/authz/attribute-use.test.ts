// Only the attributes the policies can read are sent to the engine (src/authz/attributeUse.ts).
// That must never change a decision: the same requests are decided with the narrowed and with the
// full entities/context, and must agree in decision, deciding policies and errors.
import t from 'tap';
import { attributeUse, everything } from '../../../src/authz/attributeUse.js';
import { Authorizer, type Feature } from '../../../src/authz/authorizer.js';
import { compileAuthz, type AuthzParams } from '../../../src/authz/config.js';
import { cedarPrincipal } from '../../../src/authz/principal.js';
import { argumentAttributes } from '../../../src/authz/values.js';

t.test('what the analysis finds', async (t) => {
  const u = attributeUse([
    'permit(principal in THVGroup::"eng", action, resource) when { principal.claim_role == "a" && context has arg_x && resource.readOnlyHint && principal has claim_org.name };',
  ]);
  t.strictSame([...u.principal!].sort(), ['claim_org', 'claim_role']);
  t.strictSame([...u.resource!], ['readOnlyHint']);
  t.strictSame([...u.context!], ['arg_x']);
  t.ok(u.literals.has('THVGroup\u0000eng'));
  t.equal(u.action, false, 'no policy reads the action: its entity is not sent');
  t.equal(attributeUse(['permit(principal, action, resource) when { action.operation == "call_tool" };']).action, true);
  const all = attributeUse(['permit(principal, action, resource) when { THVGroup::"eng".lead == principal && context == {} };']);
  t.equal(all.principal, null, 'an attribute of a literal entity: everything is sent');
  t.equal(all.resource, null);
  t.equal(all.context, null, 'the context as a whole');
  const ite = attributeUse(['permit(principal, action, resource) when { (if context.a then principal else resource).claim_x == 1 };']);
  t.equal(ite.principal, null, 'an access through if-then-else');
});

const POLICY_SETS: string[][] = [
  [
    'permit(principal in THVGroup::"staff", action == Action::"call_tool", resource) when { resource has readOnlyHint && resource.readOnlyHint };',
    'forbid(principal, action, resource) when { context has arg_path && context.arg_path like "/etc/*" };',
    'permit(principal, action == Action::"get_prompt", resource) when { principal.claim_email like "*@example.com" };',
    'permit(principal, action == Action::"read_resource", resource in MCP::"srv") when { resource.uri like "file:///pub/*" };',
    'permit(principal, action, resource) when { principal.claim_level.lessThan(context.arg_level) };',
  ],
  [
    'permit(principal, action, resource) when { THVGroup::"eng".lead == principal.claim_sub };',
    'permit(principal, action, resource) when { context.claim_groups.contains("ops") && resource.name == "deploy" };',
    'forbid(principal in THVGroup::"blocked", action, resource);',
  ],
  [
    'permit(principal, action in Action::"call_tool", resource) when { action.operation == "call_tool" && resource.name == "deploy" };',
    'permit(principal, action in [Action::"get_prompt", Action::"read_resource"], resource);',
  ],
];

const ENTITIES = JSON.stringify([
  { uid: { type: 'THVGroup', id: 'eng' }, attrs: { lead: 'alice' }, parents: [{ type: 'THVGroup', id: 'staff' }] },
  { uid: { type: 'THVGroup', id: 'staff' }, attrs: {}, parents: [] },
  { uid: { type: 'THVGroup', id: 'interns' }, attrs: {}, parents: [{ type: 'THVGroup', id: 'blocked' }] },
  { uid: { type: 'Tool', id: 'deploy' }, attrs: { owner: 'x' }, parents: [] },
  { uid: { type: 'Client', id: 'alice' }, attrs: { stale: true }, parents: [{ type: 'THVGroup', id: 'blocked' }] },
]);

const S = { groupClaimName: '', roleClaimName: '', groupEntityType: 'THVGroup', multiValuedClaims: [] };
const PRINCIPALS = [
  cedarPrincipal('alice', { sub: 'alice', groups: ['eng'], email: 'alice@example.com', level: 3 }, S),
  cedarPrincipal('bob', { sub: 'bob', groups: ['interns', 'ops'], email: 'bob@other.org', exp: 1900000000 }, S),
  cedarPrincipal('carol', { sub: 'carol' }, S),
];
const REQUESTS: [Feature, string, Record<string, unknown>, Record<string, boolean>?][] = [
  ['tool', 'deploy', {}, { readOnlyHint: true }],
  ['tool', 'deploy', { path: '/etc/passwd' }, { readOnlyHint: true }],
  ['tool', 'read', { level: 5 }],
  ['tool', 'read', { level: 1 }, { readOnlyHint: false }],
  ['prompt', 'greet', {}],
  ['resource', 'file:///pub/a', {}],
  ['resource', 'file:///priv/a', {}],
];

t.test('narrowed and full requests decide alike', async (t) => {
  for (const policies of POLICY_SETS) {
    const params = compileAuthz({ config: { version: '1.0', type: 'cedarv1', cedar: { policies, entities_json: ENTITIES } }, path: null }, (p, m) => {
      throw new Error(`${p}: ${m}`);
    })!;
    const full: AuthzParams = { ...params, use: everything(), uses: params.policies.map(everything) };
    const narrow = new Authorizer(params, 'srv');
    const wide = new Authorizer(full, 'srv');
    for (const p of PRINCIPALS) {
      for (const [feature, id, args, hints] of REQUESTS) {
        const a = argumentAttributes(args);
        const n = narrow.decide(p, feature, id, a, hints);
        const w = wide.decide(p, feature, id, a, hints);
        t.strictSame({ allowed: n.allowed, policies: [...n.policies].sort(), errors: [...n.errors].sort() }, { allowed: w.allowed, policies: [...w.policies].sort(), errors: [...w.errors].sort() }, `${p.uid.id} ${feature} ${id} ${JSON.stringify(args)}`);
      }
    }
  }
});
