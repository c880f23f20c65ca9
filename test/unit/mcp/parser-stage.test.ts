// The parser stage compiles, once, how far it compares member names as Go folds them
// (src/mcp/parserStage.ts): into every object inside params exactly when the chain has a stage
// that judges tool arguments (authorization, validating or mutating webhooks); otherwise only the
// envelope and params. The table ties that choice to the stages the plan really has.

import t from 'tap';
import pino from 'pino';
import { planChain } from '../../../src/chain/plan.js';
import { Rejection } from '../../../src/errors.js';
import { parseMcpMessage } from '../../../src/mcp/parser.js';
import { baseConfig, load, problems } from '../config/helpers.js';
import { makeContext, visible } from './context.js';

const HOOK = (name: string) => ({ name, url: 'http://127.0.0.1:9/x', failure_policy: 'fail', tls_config: { insecure_skip_verify: true } });
const AUTHZ = { version: '1.0', type: 'cedarv1', cedar: { policies: ['permit(principal, action, resource);'] } };
const JUDGES_ARGUMENTS = new Set(['authorization', 'webhook', 'mutating-webhook']);

const FOLDED = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"read_file","arguments":{"path":"/tmp/ok","PATH":"/etc/shadow"}}}';
const HEADERS = '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"fetch","arguments":{"headers":{"Accept":"a","accept":"b"}}}}';

const table: Array<[string, Record<string, unknown>, boolean]> = [
  ['nothing but the parser', { rate_limit_config: undefined, scaling_config: undefined }, false],
  ['rate limiting', {}, false],
  ['tool filter and rate limiting', { tools_filter: ['read_file'] }, false],
  ['authentication', { oidc_config: { issuer: 'https://idp.example.com', audience: 'mcp' } }, false],
  ['authz_config', { authz_config: AUTHZ }, true],
  ['a validating webhook', { validating_webhooks: [HOOK('v')] }, true],
  ['a mutating webhook', { mutating_webhooks: [HOOK('m')] }, true],
  ['all three', { authz_config: AUTHZ, validating_webhooks: [HOOK('v')], mutating_webhooks: [HOOK('m')] }, true],
];

for (const [what, extra, folds] of table) {
  t.test(`${what}: argument names Go folds together are ${folds ? 'refused' : 'passed'}`, async (t) => {
    const r = load({ ...baseConfig(), ...extra }, { store: 'memory' });
    if (!r.ok) throw new Error(problems(r).join('\n'));
    const plan = planChain(r.config);
    t.equal(plan.stages.some((s) => JUDGES_ARGUMENTS.has(s.type)), folds, 'the plan has a stage that judges arguments exactly then');
    const compiled = plan.stages.find((s) => s.type === 'mcp-parser')!;
    t.equal(compiled.summary.includes('Go folds together'), folds, `validate shows it: ${compiled.summary}`);
    const parser = compiled.create({ logger: pino({ level: 'silent' }), store: null, rateLimitMode: 'peek' });
    for (const body of [FOLDED, HEADERS]) {
      const ctx = makeContext({ body });
      const result = parser.handle(ctx);
      if (folds) {
        t.ok(result instanceof Rejection, `refused: ${body}`);
        t.same(visible(result as Rejection), { status: 400, body: { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' } } }, 'as the envelope\'s collisions: 400, -32600, no id');
        t.equal(ctx.mcp, null, 'nothing parsed for later stages');
      } else {
        t.equal(result, undefined, `passes: ${body}`);
        t.equal(ctx.mcp?.resourceId, JSON.parse(body).params.name);
      }
    }
  });
}

t.test('parseMcpMessage: the default scope is the envelope and params', async (t) => {
  t.notOk(parseMcpMessage(Buffer.from(FOLDED)) instanceof Rejection);
  const r = parseMcpMessage(Buffer.from(FOLDED), 'params');
  t.ok(r instanceof Rejection);
  t.equal((r as Rejection).kind, 'INVALID_REQUEST');
  t.match((r as Rejection).reason, /differ only in case \(as Go reads names\)/);
});
