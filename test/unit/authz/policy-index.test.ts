// The policy set is indexed by scope (src/authz/engine.ts): a request is decided by the policies
// whose action and resource scope can match it. That must change no decision, no determining
// policy and no error: every request below is decided by the indexed and the whole set.
import t from 'tap';
import { PolicySet } from '../../../src/authz/engine.js';
import { Authorizer, type Feature } from '../../../src/authz/authorizer.js';
import { compileAuthz } from '../../../src/authz/config.js';
import { cedarPrincipal } from '../../../src/authz/principal.js';
import { argumentAttributes } from '../../../src/authz/values.js';

const POLICIES = [
  'permit(principal, action == Action::"call_tool", resource == Tool::"echo");',
  'permit(principal, action in [Action::"call_tool", Action::"get_prompt"], resource is Tool) when { context.arg_x == "y" };',
  'permit(principal, action, resource == Prompt::"greet");',
  'forbid(principal, action == Action::"call_tool", resource == Tool::"echo") when { context has arg_bad };',
  'permit(principal, action in Action::"read_resource", resource in MCP::"srv") when { resource.uri like "file:///pub/*" };',
  'permit(principal, action, resource is Prompt in MCP::"srv") when { principal.claim_level.lessThan(decimal("3.0")) };',
  'permit(principal in THVGroup::"admins", action, resource);',
  'forbid(principal, action == Action::"get_prompt", resource) when { context.arg_secret == true };',
  'permit(principal, action == Action::"call_tool", resource == Tool::"never") when { context.missing };',
  'permit(principal, action in Action::"not_an_mcp_action", resource);',
];

const S = { groupClaimName: '', roleClaimName: '', groupEntityType: 'THVGroup', multiValuedClaims: [] };
const PRINCIPALS = [
  cedarPrincipal('a', { sub: 'a', level: 1 }, S),
  cedarPrincipal('b', { sub: 'b', groups: ['admins'] }, S),
  cedarPrincipal('c', { sub: 'c' }, S),
];
const REQUESTS: [Feature, string, Record<string, unknown>][] = [
  ['tool', 'echo', {}],
  ['tool', 'echo', { bad: 1 }],
  ['tool', 'other', { x: 'y' }],
  ['tool', 'never', {}],
  ['tool', 'greet', {}],
  ['prompt', 'greet', {}],
  ['prompt', 'greet', { secret: true }],
  ['prompt', 'echo', { x: 'y' }],
  ['prompt', 'other', {}],
  ['resource', 'file:///pub/a', {}],
  ['resource', 'file:///priv/a', {}],
  ['resource', 'echo', {}],
];

t.test('indexed and whole policy sets decide alike', async (t) => {
  const params = compileAuthz({ config: { version: '1.0', type: 'cedarv1', cedar: { policies: POLICIES } }, path: null }, (p, m) => {
    throw new Error(`${p}: ${m}`);
  })!;
  const authorizer = new Authorizer(params, 'srv');
  const indexed = new PolicySet(POLICIES);
  const whole = new PolicySet(POLICIES, false);
  let allowed = 0;
  for (const p of PRINCIPALS) {
    for (const [feature, id, args] of REQUESTS) {
      const req = authorizer.request(p, feature, id, argumentAttributes(args));
      const i = indexed.decide(req);
      const w = whole.decide(req);
      if (w.allowed) allowed++;
      t.strictSame({ allowed: i.allowed, policies: [...i.policies].sort(), errors: [...i.errors].sort() }, { allowed: w.allowed, policies: [...w.policies].sort(), errors: [...w.errors].sort() }, `${p.uid.id} ${feature} ${id} ${JSON.stringify(args)}`);
    }
  }
  t.ok(allowed > 5 && allowed < PRINCIPALS.length * REQUESTS.length, `a mix of decisions (${allowed} allowed)`);
});
