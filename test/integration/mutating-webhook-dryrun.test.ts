// SPEC §1 + §11: dry-run calls mutating webhooks for real (they are queries) and shows, per
// webhook, the operations it applied (op and path, never values); the stages after it judge the
// patched request; a refused patch shows the response a client would get.
import t from 'tap';
import { dryRun, formatDryRun } from '../../src/dryrun/dryRun.js';
import { loadConfigText } from '../../src/config/load.js';
import type { RunConfigFile } from '../../src/config/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startWebhookServer } from '../helpers/webhookServer.js';
import { startMutatingWebhook, webhookEntry } from '../helpers/mutatingWebhook.js';

const CALL = '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"login","arguments":{"password":"hunter2"}}}';

function load(extra: Partial<RunConfigFile>) {
  const file: RunConfigFile = { name: 'dry', transport: 'streamable-http', target_port: 9, port: 0, ...extra };
  const r = loadConfigText(JSON.stringify(file), 'dry.json', {}, process.env);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.config;
}

t.test('§11 dry-run: the applied operations per webhook, the validating webhook judging the result', async (t) => {
  const redact = await startMutatingWebhook(t, () => [{ op: 'replace', path: '/mcp_request/params/arguments/password', value: 'XXXX-REDACTED' }]);
  const policy = await startWebhookServer({ tls: 'ca', behaviour: 'allow' });
  t.teardown(() => policy.close());
  const config = load({ mutating_webhooks: [webhookEntry('redact', redact)], validating_webhooks: [webhookEntry('policy', policy)] });
  const result = await dryRun({ config, body: Buffer.from(CALL), headerArgs: [], consume: false, store: null, logger: silentLogger() });
  t.equal(result.verdict, 'forward');
  const stage = result.stages.find((s) => s.stage === 'mutating-webhook redact')!;
  t.match(stage.summary, /^patched: replace \/mcp_request\/params\/arguments\/password \(200 in \d+ ms\)$/);
  t.same(stage.facts!.patch, [{ op: 'replace', path: '/mcp_request/params/arguments/password' }]);
  const text = formatDryRun(result);
  t.match(text, /mutating-webhook redact: patched: replace \/mcp_request\/params\/arguments\/password/);
  t.notMatch(JSON.stringify(result) + text, /hunter2|XXXX-REDACTED/, 'values appear nowhere');
  t.notMatch(policy.calls[0]!.raw.toString(), 'hunter2', 'the validating webhook judged the patched request');
  t.match(result.stages.at(-1)!.summary, /^would forward POST \/mcp \(\d+ bytes\)/);
  t.equal(result.stages.at(-1)!.facts!.bytes, Buffer.byteLength('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"login","arguments":{"password":"XXXX-REDACTED"}}}'), 'the forwarded size is the patched one');
});

t.test('§11 dry-run: no patch, and a refused patch with the exact response', async (t) => {
  const hook = await startMutatingWebhook(t, ({ mcp_request }) =>
    mcp_request.params.name === 'login' ? [] : [{ op: 'replace', path: '/mcp_request/method', value: 'tools/list' }],
  );
  const config = load({ mutating_webhooks: [webhookEntry('m', hook)] });
  const passed = await dryRun({ config, body: Buffer.from(CALL), headerArgs: [], consume: false, store: null, logger: silentLogger() });
  t.match(passed.stages.find((s) => s.stage === 'mutating-webhook m')!.summary, /^allowed, no patch \(200 in \d+ ms\)$/);
  const refused = await dryRun({ config, body: Buffer.from(CALL.replace('login', 'other')), headerArgs: [], consume: false, store: null, logger: silentLogger() });
  t.equal(refused.verdict, 'reject');
  t.equal(refused.rejectedBy, 'mutating-webhook m');
  t.match(refused.stages.at(-1)!.summary, /^error: patch\[0\]: replace would change \/mcp_request\/method -> denied \(failure_policy fail\)$/);
  t.equal(refused.response!.status, 500);
  t.equal(refused.response!.body, '{"jsonrpc":"2.0","id":4,"error":{"code":-32603,"message":"Patch must not change jsonrpc, id or method"}}');
});
