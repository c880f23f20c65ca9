// SPEC §2 never silently weaker than ToolHive: ToolHive reads a RunConfig with Go's encoding/json,
// which matches keys case-insensitively (ASCII, and since Go 1.21 non-ASCII runes folded with
// unicode.ToUpper(unicode.ToLower(r)): "ſ" matches "s", "ı" matches "i", the Kelvin sign "K"
// matches "k"). header_forward's Add_Plaintext_Headers, or an auth entry's OIDC_Config, used to be
// accepted silently where the lowercase spelling is an error.
import t from 'tap';
import { goFoldKey, goField } from '../../src/config/goJsonKey.js';
import { load, problems } from '../unit/config/helpers.js';

const remote = { name: 'h', transport: 'streamable-http', remote_url: 'http://upstream.example/' };
const stdio = { name: 'h', transport: 'stdio', command: 'node' };

t.test('Go folding: ASCII case, ſ -> s, ı -> i, K (U+212A) -> k; nothing else', async (t) => {
  t.equal(goFoldKey('Add_Plaintext_Headers'), goFoldKey('add_plaintext_headers'));
  t.equal(goFoldKey('add_plaintext_headerſ'), goFoldKey('add_plaintext_headers'));
  t.equal(goFoldKey('oıdc_config'), goFoldKey('oidc_config'));
  t.equal(goFoldKey('\u212aey'), goFoldKey('key'));
  t.equal(goFoldKey('İd'), goFoldKey('id'), 'U+0130 lowers to i in Go');
  t.not(goFoldKey('ßa'), goFoldKey('ssa'), 'no full (multi-letter) case mapping');
  t.not(goFoldKey('oidc-config'), goFoldKey('oidc_config'));
  t.equal(goField({ X: 1, x: 2 }, 'x'), 2, 'the last matching key wins, as Go decodes them in order');
  t.equal(goField({ a: 1 }, 'b'), undefined);
});

t.test('§2 header_forward: any Go spelling of add_plaintext_headers / add_headers_from_secret is the same error', async (t) => {
  const lower = problems(load({ ...remote, header_forward: { add_plaintext_headers: { X: 'y' } } }));
  t.match(lower, [/^\/header_forward: not enforced by thv-proxy/]);
  for (const key of ['Add_Plaintext_Headers', 'ADD_PLAINTEXT_HEADERS', 'add_plaintext_headerſ', 'Add_Headers_From_Secret', 'add_headers_from_ſecret']) {
    t.strictSame(problems(load({ ...remote, header_forward: { [key]: { X: 'y' } } })), lower, key);
  }
  t.equal(load({ ...remote, header_forward: { Add_Plaintext_Headers: {} } }).ok, true, 'empty: ToolHive adds nothing');
});

t.test('§2 middleware_configs auth entry: OIDC_Config (or oıdc_config) without top-level oidc_config is the same error', async (t) => {
  const entry = (key: string) => ({ ...stdio, middleware_configs: [{ type: 'auth', parameters: { [key]: { issuer: 'https://x' } } }] });
  const lower = problems(load(entry('oidc_config')));
  t.match(lower, [/^\/middleware_configs\/0\/type: ToolHive middleware "auth" would run in a ToolHive replica, but thv-proxy builds it from oidc_config only/]);
  for (const key of ['OIDC_Config', 'Oidc_config', 'oıdc_config']) t.strictSame(problems(load(entry(key))), lower, key);
});

t.test('§9 oidc_config keys with a dotless or dotted i (ıssuer, İssuer) are read as Go reads them', async (t) => {
  for (const key of ['ıssuer', 'İssuer', 'ISSUER']) {
    const r = load({ ...stdio, oidc_config: { [key]: 'http://idp.example' } });
    t.match(problems(r), [new RegExp(`^/oidc_config/${key}: must be https`)], key);
  }
});
