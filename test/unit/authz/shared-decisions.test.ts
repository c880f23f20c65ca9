// What the authorizer shares between requests must change no decision (src/authz/authorizer.ts):
// - requests narrowed to the policies that can apply (per-subset attributes, parents that can
//   change an `in`, request entities left out when nothing reads them) decide as the full request;
// - list items whose requests differ only in the id of a resource nothing names share one engine
//   call: every list below is also decided tool by tool, in full, and must agree;
// - decisions remembered per principal content are shared by principal objects that send the
//   same thing, and only by those;
// - policies whose principal scope cannot match the principal are left out of its subsets.
// The reference decides with the whole, unindexed policy set and everything sent.
import t from 'tap';
import { everything } from '../../../src/authz/attributeUse.js';
import { Authorizer, type Feature, type ToolHints } from '../../../src/authz/authorizer.js';
import { compileAuthz, type AuthzParams } from '../../../src/authz/config.js';
import { PolicySet } from '../../../src/authz/engine.js';
import { cedarPrincipal, type ClaimSettings } from '../../../src/authz/principal.js';
import { argumentAttributes } from '../../../src/authz/values.js';

const ENTITIES = [
  { uid: { type: 'Tool', id: 't6' }, attrs: {}, parents: [{ type: 'THVGroup', id: 'eng' }] },
  { uid: { type: 'THVGroup', id: 'x' }, attrs: { owner: { __entity: { type: 'Tool', id: 't7' } } }, parents: [], tags: { k: { __entity: { type: 'THVGroup', id: 'ops' } } } },
  { uid: { type: 'THVGroup', id: 'eng' }, attrs: {}, parents: [{ type: 'THVGroup', id: 'staff' }] },
  { uid: { type: 'THVGroup', id: 'ops' }, attrs: {}, parents: [] },
  { uid: { type: 'THVGroup', id: 'y' }, attrs: {}, parents: [{ type: 'Tool', id: 't1' }] },
];

const CASES: { name: string; policies: string[]; entities?: unknown[]; groupType?: string }[] = [
  {
    name: 'resource.name, resource in, literal tools in conditions',
    policies: [
      'permit(principal, action == Action::"call_tool", resource) when { resource.name like "t1*" };',
      'permit(principal, action == Action::"call_tool", resource) when { resource in Tool::"t5" || resource == Tool::"t3" };',
      'forbid(principal in THVGroup::"blocked", action, resource);',
      'permit(principal, action == Action::"call_tool", resource in MCP::"srv") when { resource has readOnlyHint && resource.readOnlyHint };',
    ],
  },
  {
    name: 'hints and named tools only (no resource.name): classes',
    policies: [
      'permit(principal, action == Action::"call_tool", resource) when { resource has readOnlyHint && resource.readOnlyHint };',
      'permit(principal in THVGroup::"eng", action == Action::"call_tool", resource) when { resource == Tool::"t3" || [Tool::"t4", Tool::"t8"].contains(resource) };',
      'forbid(principal, action == Action::"call_tool", resource) when { resource has destructiveHint && resource.destructiveHint && !(principal.claim_role == "admin") };',
      'permit(principal, action, resource == Tool::"t2") when { context.claim_level.greaterThan(decimal("2.0")) };',
      'permit(principal, action == Action::"call_tool", resource) when { principal.claim_role == "admin" };',
    ],
  },
  {
    name: 'entities_json: tools and groups, an entity-valued attribute',
    policies: [
      'permit(principal, action == Action::"call_tool", resource) when { resource in THVGroup::"eng" };',
      'forbid(principal, action == Action::"call_tool", resource) when { THVGroup::"x".owner == resource };',
      'permit(principal in THVGroup::"staff", action == Action::"call_tool", resource) when { resource has idempotentHint };',
      'permit(principal, action == Action::"call_tool", resource) when { resource has readOnlyHint };',
    ],
    entities: ENTITIES,
  },
  {
    name: 'entities_json: a group whose parent is a tool',
    policies: [
      'permit(principal, action == Action::"call_tool", resource) when { principal in resource };',
      'permit(principal, action == Action::"call_tool", resource) when { resource has destructiveHint };',
    ],
    entities: ENTITIES,
  },
  {
    name: 'entities_json: an entity-valued tag',
    policies: [
      'permit(principal, action == Action::"call_tool", resource) when { principal in THVGroup::"x".getTag("k") };',
      'permit(principal in THVGroup::"staff", action == Action::"call_tool", resource) when { resource has idempotentHint };',
    ],
    entities: ENTITIES,
  },
  {
    name: 'groups of type Tool: a principal can be "in" a tool',
    policies: [
      'permit(principal, action == Action::"call_tool", resource) when { principal in resource };',
      'permit(principal, action == Action::"call_tool", resource) when { resource has readOnlyHint && principal in Tool::"t9" };',
      'permit(principal in MCP::"srv", action == Action::"call_tool", resource) when { resource has destructiveHint || resource.name == "t5" };',
    ],
    groupType: 'Tool',
  },
  {
    name: 'principal scopes',
    policies: [
      'permit(principal in THVGroup::"eng", action == Action::"call_tool", resource) when { resource has readOnlyHint };',
      'permit(principal == Client::"bob", action == Action::"call_tool", resource) when { resource.name like "t*" };',
      'forbid(principal is Client in THVGroup::"staff", action, resource == Tool::"t1");',
      'permit(principal is Client, action == Action::"call_tool", resource == Tool::"t1");',
      'forbid(principal in THVGroup::"blocked", action == Action::"call_tool", resource) when { resource has destructiveHint };',
      'permit(principal in Client::"carol", action, resource) when { context.claim_email like "*@example.com" };',
      'permit(principal in MCP::"srv", action, resource);',
    ],
    entities: ENTITIES,
  },
  {
    name: 'no policy reads the resource or the principal',
    policies: ['permit(principal, action == Action::"call_tool", resource);', 'forbid(principal, action, resource == Tool::"t1");'],
  },
];

const TOOLS: [string, ToolHints | undefined][] = [
  ['t0', { readOnlyHint: true }],
  ['t1', { readOnlyHint: true }],
  ['t10', undefined],
  ['t2', { readOnlyHint: false }],
  ['t3', { destructiveHint: true }],
  ['t4', { readOnlyHint: true, destructiveHint: true }],
  ['t5', undefined],
  ['t6', { idempotentHint: true }],
  ['t7', { readOnlyHint: true }],
  ['t8', { readOnlyHint: true }],
  ['t9', { readOnlyHint: true }],
  ['u1', { readOnlyHint: true }],
  ['u2', undefined],
  ['eng', { readOnlyHint: true }],
];

function settings(groupType = 'THVGroup'): ClaimSettings {
  return { groupClaimName: '', roleClaimName: '', groupEntityType: groupType, multiValuedClaims: [] };
}

function principals(groupType?: string) {
  const s = settings(groupType);
  return [
    cedarPrincipal('alice', { sub: 'alice', groups: ['eng', 'ops', 't2'], role: 'admin', level: 3 }, s),
    cedarPrincipal('bob', { sub: 'bob', groups: ['blocked', 'staff', 't9', 't5'], role: 'dev', level: 1 }, s),
    cedarPrincipal('carol', { sub: 'carol', email: 'c@example.com', groups: ['y'] }, s),
  ];
}

function compile(policies: string[], entities: unknown[] = [], groupType?: string): AuthzParams {
  const cedar: Record<string, unknown> = { policies, entities_json: JSON.stringify(entities) };
  if (groupType !== undefined) cedar.group_entity_type = groupType;
  return compileAuthz({ config: { version: '1.0', type: 'cedarv1', cedar }, path: null }, (p, m) => {
    throw new Error(`${p}: ${m}`);
  })!;
}

/** The same config with nothing narrowed, nothing indexed and nothing shared between resources. */
function wide(params: AuthzParams): Authorizer {
  return new Authorizer({ ...params, policySet: new PolicySet(params.policies, false), use: everything(), uses: params.policies.map(() => everything()) }, 'srv');
}

function counted(params: AuthzParams): { params: AuthzParams; calls: () => number } {
  let calls = 0;
  const set = params.policySet;
  const decide = set.decide.bind(set);
  set.decide = (...a: Parameters<typeof decide>) => {
    calls++;
    return decide(...a);
  };
  return { params, calls: () => calls };
}

t.test('lists decided with shared decisions agree with every tool decided alone, in full', async (t) => {
  let sharedSomewhere = false;
  for (const c of CASES) {
    const { params, calls } = counted(compile(c.policies, c.entities, c.groupType));
    const narrow = new Authorizer(params, 'srv');
    const reference = wide(compile(c.policies, c.entities, c.groupType));
    let allowed = 0;
    for (const p of principals(c.groupType)) {
      const before = calls();
      const listed = TOOLS.map(([name, hints]) => narrow.allowed(p, 'tool', name, {}, hints));
      if (calls() - before < TOOLS.length) sharedSomewhere = true;
      const alone = TOOLS.map(([name, hints]) => reference.decide(p, 'tool', name, {}, hints).allowed);
      allowed += alone.filter(Boolean).length;
      t.strictSame(listed, alone, `${c.name}: ${p.uid.id}`);
      // A second list costs no engine call.
      const again = calls();
      t.strictSame(TOOLS.map(([name, hints]) => narrow.allowed(p, 'tool', name, {}, hints)), alone);
      t.equal(calls(), again, `${c.name}: ${p.uid.id}: a repeated list is remembered`);
      // Calls decided alone (remembered or not) agree in decision, deciding policies and errors.
      for (const [name, hints] of TOOLS) {
        const n = narrow.decide(p, 'tool', name, {}, hints);
        const w = reference.decide(p, 'tool', name, {}, hints);
        t.strictSame({ allowed: n.allowed, policies: [...n.policies].sort(), errors: [...n.errors].sort() }, { allowed: w.allowed, policies: [...w.policies].sort(), errors: [...w.errors].sort() }, `${c.name}: ${p.uid.id} ${name}`);
      }
    }
    t.ok(allowed > 0, `${c.name}: some tools are allowed (${allowed})`);
  }
  t.ok(sharedSomewhere, 'some list needed fewer engine calls than tools');
});

t.test('a list where no policy reads the resource id needs one engine call per class', async (t) => {
  const { params, calls } = counted(compile(CASES[1]!.policies));
  const a = new Authorizer(params, 'srv');
  const [alice] = principals();
  const many = Array.from({ length: 100 }, (_, i): [string, ToolHints | undefined] => [`tool-${i}`, i % 3 === 0 ? { readOnlyHint: true } : i % 3 === 1 ? { destructiveHint: true } : undefined]);
  const out = many.map(([name, hints]) => a.allowed(alice!, 'tool', name, {}, hints));
  t.equal(calls(), 3, 'three classes of hints, three engine calls');
  const reference = wide(compile(CASES[1]!.policies));
  t.strictSame(out, many.map(([name, hints]) => reference.decide(alice!, 'tool', name, {}, hints).allowed));
});

t.test('decisions are shared by principals that send the same thing, and only by those', async (t) => {
  const policies = [
    'permit(principal, action == Action::"call_tool", resource) when { principal.claim_role == "admin" && resource.name like "t*" };',
    'permit(principal in THVGroup::"eng", action == Action::"get_prompt", resource);',
  ];
  const { params, calls } = counted(compile(policies));
  const a = new Authorizer(params, 'srv');
  const s = settings();
  const list = (p: ReturnType<typeof cedarPrincipal>, feature: Feature = 'tool') => TOOLS.map(([name, hints]) => a.allowed(p, feature, name, {}, hints));
  const first = list(cedarPrincipal('alice', { sub: 'alice', role: 'admin', groups: ['eng'], exp: 1 }, s));
  const n = calls();
  t.ok(n > 0);
  t.strictSame(list(cedarPrincipal('alice', { sub: 'alice', role: 'admin', groups: ['eng'], exp: 2 }, s)), first, 'a new token, only an unread claim differs');
  t.equal(calls(), n, 'no engine call');
  list(cedarPrincipal('alice', { sub: 'alice', role: 'dev', groups: ['eng'], exp: 2 }, s));
  t.ok(calls() > n, 'a read claim differs: decided again');
  const m = calls();
  list(cedarPrincipal('bob', { sub: 'bob', role: 'admin', groups: ['eng'], exp: 2 }, s));
  t.ok(calls() > m, 'another subject: decided again');
  const eng = list(cedarPrincipal('alice', { sub: 'alice', role: 'admin', groups: ['eng'], exp: 3 }, s), 'prompt');
  const ops = list(cedarPrincipal('alice', { sub: 'alice', role: 'admin', groups: ['ops'], exp: 3 }, s), 'prompt');
  t.ok(eng.every(Boolean) && !ops.some(Boolean), 'other groups: not shared');
  // Whatever was shared, every answer agrees with a fresh full evaluation.
  const reference = wide(compile(policies));
  for (const p of [cedarPrincipal('alice', { sub: 'alice', role: 'admin', groups: ['eng'], exp: 9 }, s), cedarPrincipal('alice', { sub: 'alice', role: 'x', groups: [], exp: 9 }, s)]) {
    for (const feature of ['tool', 'prompt'] as Feature[]) {
      t.strictSame(
        TOOLS.map(([name, hints]) => a.decide(p, feature, name, argumentAttributes({}), hints).allowed),
        TOOLS.map(([name, hints]) => reference.decide(p, feature, name, {}, hints).allowed),
      );
    }
  }
});

t.test('calls with arguments are remembered too, in a smaller map', async (t) => {
  const policies = ['permit(principal, action == Action::"call_tool", resource) when { context.arg_q like "ok*" && resource.name == "t1" };'];
  const { params, calls } = counted(compile(policies));
  const a = new Authorizer(params, 'srv');
  const reference = wide(compile(policies));
  const [alice] = principals();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 300; i++) {
      const args = argumentAttributes({ q: i % 2 ? `ok ${i}` : `no ${i}`, unread: i });
      for (const tool of ['t1', 't2']) t.equal(a.decide(alice!, 'tool', tool, args).allowed, reference.decide(alice!, 'tool', tool, args).allowed);
    }
  }
  t.equal(calls(), 300 * 2 * 2, 'past the bound, decisions are made again');
  const before = calls();
  const args = argumentAttributes({ q: 'ok', unread: 1 });
  const first = a.decide(alice!, 'tool', 't1', args);
  t.equal(a.decide(alice!, 'tool', 't1', argumentAttributes({ q: 'ok', unread: 2 })), first, 'an unread argument does not matter');
  t.equal(calls(), before + 1);
  t.ok(first.allowed);
});

t.test('remembered decisions are bounded in characters of keys, not only in count', async (t) => {
  // Principals whose policy-read claim is ~3.9 KiB: 1 500 of them would remember ~6 M characters
  // of principal keys under the count bound alone; the character bound holds them to 4 Mi.
  const policies = ['permit(principal, action == Action::"call_tool", resource) when { principal.claim_note like "keep*" };'];
  const { params, calls } = counted(compile(policies));
  const a = new Authorizer(params, 'srv');
  const s = settings();
  const filler = 'x'.repeat(3900);
  let peak = 0;
  for (let i = 0; i < 1500; i++) {
    const p = cedarPrincipal(`user-${i}`, { sub: `user-${i}`, note: `${i % 2 ? 'keep' : 'drop'}-${i}-${filler}` }, s);
    t.equal(a.decide(p, 'tool', 't1', {}).allowed, i % 2 === 1, `user ${i}: the decision stays right while entries are forgotten`);
    peak = Math.max(peak, a.rememberedSize.chars);
  }
  t.ok(peak <= 4 * 1024 * 1024, `characters of remembered keys stay within the bound (peak ${peak})`);
  t.ok(a.rememberedSize.decisions < 1500, `principals remembered first were forgotten (${a.rememberedSize.decisions} decisions remembered)`);
  // The last principal's decision is still remembered: asking again makes no engine call.
  const before = calls();
  const last = cedarPrincipal('user-1499', { sub: 'user-1499', note: `keep-1499-${filler}` }, s);
  t.ok(a.decide(last, 'tool', 't1', {}).allowed);
  t.equal(calls(), before, 'the most recent principal is remembered');
});
