// docs/authorization.md's worked examples load as written and decide as the page says.
import t, { type Test } from 'tap';
import { readFileSync } from 'node:fs';
import { Authorizer, type Feature } from '../../../src/authz/authorizer.js';
import { compileAuthz } from '../../../src/authz/config.js';
import { cedarPrincipal } from '../../../src/authz/principal.js';
import { argumentAttributes } from '../../../src/authz/values.js';
import { baseConfig, load, problems } from '../config/helpers.js';

const doc = readFileSync(new URL('../../../docs/authorization.md', import.meta.url), 'utf8');
const blocks = [...doc.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);

function authorizerOf(config: unknown): { a: Authorizer; claims: Parameters<typeof cedarPrincipal>[2] } {
  const p = compileAuthz({ config, path: null }, (ptr, m) => {
    throw new Error(`${ptr}: ${m}`);
  })!;
  return { a: new Authorizer(p, 'docs'), claims: p.claims };
}

t.test('every JSON block of the page loads in a RunConfig', async (t) => {
  t.ok(blocks.length >= 5);
  for (const b of blocks) {
    const fields = b.type === 'cedarv1' ? { authz_config: b } : b;
    const r = load({ ...baseConfig(), ...fields });
    t.equal(r.ok, true, problems(r).join('\n'));
  }
});

const examples = blocks.filter((b) => b.type === 'cedarv1');
type Case = [sub: string, claims: Record<string, unknown>, feature: Feature, id: string, args: Record<string, unknown>, hints: Record<string, boolean> | undefined, allowed: boolean];

function check(t: Test, config: unknown, cases: Case[]): void {
  const { a, claims } = authorizerOf(config);
  for (const [sub, c, feature, id, args, hints, allowed] of cases) {
    const d = a.decide(cedarPrincipal(sub, { sub, ...c }, claims), feature, id, argumentAttributes(args), hints);
    t.equal(d.allowed, allowed, `${sub} ${feature} ${id} ${JSON.stringify(args)}`);
  }
}

t.test('a read-only role', async (t) => {
  const r = { groups: ['readers'] };
  const w = { groups: ['writers'] };
  check(t, examples[0], [
    ['ann', r, 'tool', 'search', {}, { readOnlyHint: true }, true],
    ['ann', r, 'tool', 'write_file', {}, { readOnlyHint: false }, false],
    ['ann', r, 'tool', 'search', {}, undefined, false],
    ['ann', r, 'resource', 'file:///x', {}, undefined, true],
    ['ann', r, 'prompt', 'p', {}, undefined, true],
    ['wes', w, 'tool', 'write_file', {}, { readOnlyHint: false }, true],
    ['wes', w, 'tool', 'drop_database', {}, undefined, false],
    ['wes', w, 'tool', 'search', {}, { readOnlyHint: true }, true],
    ['nobody', {}, 'tool', 'search', {}, { readOnlyHint: true }, false],
  ]);
});

t.test('per-tool allow lists by group claim', async (t) => {
  const eng = { 'https://example.com/groups': ['engineering'] };
  const sup = { 'https://example.com/groups': ['support'], groups: ['engineering'] };
  check(t, examples[1], [
    ['e', eng, 'tool', 'deploy', {}, undefined, true],
    ['e', eng, 'tool', 'tickets', {}, undefined, false],
    ['s', sup, 'tool', 'tickets', {}, undefined, true],
    ['s', sup, 'tool', 'deploy', {}, undefined, false],
    ['x', {}, 'tool', 'status', {}, undefined, true],
    ['x', {}, 'tool', 'logs', {}, undefined, false],
  ]);
});

t.test('argument-based rules', async (t) => {
  check(t, examples[2], [
    ['u', {}, 'tool', 'read_file', { path: '/public/a.txt' }, undefined, true],
    ['u', {}, 'tool', 'read_file', { path: '/etc/passwd' }, undefined, false],
    ['u', {}, 'tool', 'read_file', { path: '/public/../etc' }, undefined, false],
    ['u', {}, 'tool', 'read_file', {}, undefined, false],
    ['u', {}, 'tool', 'search', { limit: 50 }, undefined, true],
    ['u', {}, 'tool', 'search', { limit: 500 }, undefined, false],
    ['u', { scope: 'openid files:write' }, 'tool', 'write_file', {}, undefined, true],
    ['u', { scope: 'openid files:writer' }, 'tool', 'write_file', {}, undefined, false],
  ]);
});
