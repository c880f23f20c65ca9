// SPEC §10: claims and arguments reach Cedar as ToolHive puts them there (Go's JSON decoding:
// numbers are float64, turned into Cedar decimals; nesting cut at 10; arguments that are not
// scalars only as arg_<name>_present), and the principal's groups come from ToolHive's claims.
import t from 'tap';
import { argumentAttributes, cedarRecord, cedarValue, decimalOf } from '../../../src/authz/values.js';
import { cedarPrincipal, LocalUser } from '../../../src/authz/principal.js';

const dec = (arg: string) => ({ __extn: { fn: 'decimal', arg } });

t.test('numbers are decimals of 4 digits, truncated as Go truncates f*10^4; out of range dropped', async (t) => {
  t.strictSame(decimalOf(1), dec('1.0000'));
  t.strictSame(decimalOf(-1.5), dec('-1.5000'));
  t.strictSame(decimalOf(0.123456), dec('0.1234'));
  t.strictSame(decimalOf(1700000000), dec('1700000000.0000'));
  t.equal(decimalOf(1e300), undefined);
  t.equal(decimalOf(Number.NaN), undefined);
  t.equal(cedarValue(5n), 5, 'an int64 (the local user\'s iat/exp) stays a Long');
});

t.test('records: null dropped, sets keep order, nesting past 10 dropped, Cedar escapes never pass', async (t) => {
  t.strictSame(cedarRecord({ a: null, b: ['x', null, true], c: { d: 'e' } }), { b: ['x', true], c: { d: 'e' } });
  let deep: unknown = 'leaf';
  for (let i = 0; i < 12; i++) deep = { n: deep };
  const out = JSON.stringify(cedarRecord({ deep }));
  t.notMatch(out, /leaf/, 'the leaf past depth 10 is dropped');
  t.strictSame(cedarRecord({ c: { __entity: { type: 'THVGroup', id: 'admin' }, x: 1 } }), { c: { x: dec('1.0000') } }, 'a claim cannot become an entity reference');
});

t.test('arguments: scalars as arg_<name>, everything else as arg_<name>_present', async (t) => {
  t.strictSame(argumentAttributes({ s: 'x', b: false, n: 2, o: { a: 1 }, a: [1], z: null }), { arg_s: 'x', arg_b: false, arg_n: 2, arg_o_present: true, arg_a_present: true, arg_z_present: true });
  t.strictSame(argumentAttributes(undefined), {});
  t.strictSame(argumentAttributes(['x']), {});
});

const S = { groupClaimName: '', roleClaimName: '', groupEntityType: 'THVGroup', multiValuedClaims: [] as string[] };

t.test('groups: group_claim_name (dot paths too), else groups, roles, cognito:groups; role claim added; deduplicated', async (t) => {
  t.strictSame(cedarPrincipal('a', { groups: ['eng', 'eng', 1] }, S).groups, ['eng']);
  t.strictSame(cedarPrincipal('a', { roles: ['admin'] }, S).groups, ['admin']);
  t.strictSame(cedarPrincipal('a', { 'cognito:groups': ['c'] }, S).groups, ['c']);
  t.strictSame(cedarPrincipal('a', { groups: [], roles: ['admin'] }, S).groups, [], 'an empty groups claim stops the fallback');
  t.strictSame(cedarPrincipal('a', { realm_access: { roles: ['kc'] }, groups: ['g'] }, { ...S, groupClaimName: 'realm_access.roles' }).groups, ['kc']);
  t.strictSame(cedarPrincipal('a', { 'https://x.example/groups': ['url'] }, { ...S, groupClaimName: 'https://x.example/groups' }).groups, ['url']);
  t.strictSame(cedarPrincipal('a', { groups: ['g'], roles: ['r', 'g'] }, { ...S, roleClaimName: 'roles' }).groups, ['g', 'r']);
  const p = cedarPrincipal('a', { groups: ['g'] }, { ...S, groupEntityType: 'Team' });
  t.strictSame(p.entity.parents, [{ type: 'Team', id: 'g' }]);
  t.strictSame(p.entity.uid, { type: 'Client', id: 'a' });
});

t.test('multi_valued_claims: claim_<name> joined with spaces, claimset_<name> the elements', async (t) => {
  const m = { ...S, multiValuedClaims: ['scp', 'scope'] };
  const p = cedarPrincipal('a', { scp: ['Mail.Read', 2, 'Files.Read'], scope: ' openid  profile ' }, m);
  t.equal(p.claims.claim_scp, 'Mail.Read Files.Read');
  t.strictSame(p.claims.claimset_scp, ['Mail.Read', 'Files.Read']);
  t.equal(p.claims.claim_scope, ' openid  profile ', 'a string stays verbatim');
  t.strictSame(p.claims.claimset_scope, ['openid', 'profile']);
});

t.test('without oidc_config: ToolHive\'s local user', async (t) => {
  const local = new LocalUser(S, 'runner');
  const p = local.principal(1_700_000_000_000);
  t.strictSame(p.uid, { type: 'Client', id: 'runner' });
  t.match(p.claims, { claim_sub: 'runner', claim_iss: 'toolhive-local', claim_aud: 'toolhive', claim_email: 'runner@localhost', claim_name: 'Local User: runner', claim_iat: 1700000000, claim_exp: 1700086400 });
  t.equal(local.principal(1_700_000_030_000), p, 'reused within a minute');
  t.not(local.principal(1_700_000_060_000), p, 'rebuilt after it');
});
