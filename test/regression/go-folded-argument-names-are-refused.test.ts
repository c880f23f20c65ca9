// Regression: Cedar and webhooks judged one tool argument, a Go MCP server executed another. The
// parser refused member names that Go's encoding/json folds together only in the envelope and in
// params; inside `arguments` only exact duplicates were refused. But Go decodes into structs
// case-insensitively at every level, and the official Go MCP SDK and mcp-go decode tools/call
// arguments into structs. So for `{"path":"/tmp/ok","PATH":"/etc/shadow"}` Cedar (arg_path, SPEC
// §10) and the webhooks (SPEC §5, §11) judged /tmp/ok and a Go server read /etc/shadow (the last
// case-insensitive match). Now, when the chain has a stage that judges arguments (authz_config,
// validating or mutating webhooks), a message with two names Go folds together in any object
// inside params is refused like the envelope's (400, -32600) before any of them runs. With only
// rate limiting the message passes unchanged, as before: the tool name is all that stage reads.
import t, { type Test } from 'tap';
import type { RunConfigFile } from '../../src/config/types.js';
import { loadConfigText } from '../../src/config/load.js';
import { dryRun } from '../../src/dryrun/dryRun.js';
import { silentLogger } from '../../src/observability/logger.js';
import { startRawUpstream, jsonResult, type RawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess, type InProcessProxy } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { startWebhookServer } from '../helpers/webhookServer.js';
import { startMutatingWebhook, webhookEntry } from '../helpers/mutatingWebhook.js';

const LONG_S = '\u017f'; // Go folds it onto "s"
const KELVIN = '\u212a'; // Go folds it onto "k"
const FINAL_SIGMA = '\u03c2'; // Go folds it onto "σ" (U+03C3): both are "Σ" to it
const DOTLESS_I = '\u0131'; // not folded onto "i" by Go: a different name

/** The refusal of a message another parser may read another way: 400, -32600, no id. */
const REFUSED = '{"jsonrpc":"2.0","error":{"code":-32600,"message":"Invalid Request"}}';

const POLICIES = [
  'permit(principal, action == Action::"call_tool", resource == Tool::"read_file") when { context has arg_path && context.arg_path like "/tmp/*" };',
  'permit(principal, action == Action::"call_tool", resource == Tool::"configure");',
];
const AUTHZ: Partial<RunConfigFile> = { authz_config: { version: '1.0', type: 'cedarv1', cedar: { policies: POLICIES } } };

const call = (id: number, tool: string, args: string): string =>
  `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${tool}","arguments":${args}}}`;

/** Two names Go's encoding/json reads as one field, somewhere inside params. */
const FOLDED: ReadonlyArray<readonly [string, string]> = [
  ['"path" and "PATH" (a Go server reads the last: /etc/shadow)', call(1, 'read_file', '{"path":"/tmp/ok","PATH":"/etc/shadow"}')],
  ['"PATH" before "path"', call(2, 'read_file', '{"PATH":"/etc/shadow","path":"/tmp/ok"}')],
  ['nested: "Mode" and "mode" in opts', call(3, 'configure', '{"opts":{"Mode":"a","mode":"b"}}')],
  ['in an array of objects: "Id" and "id"', call(4, 'configure', '{"items":[{"id":1},{"Id":2,"id":3}]}')],
  [`non-ASCII fold: "${LONG_S}ize" and "size"`, call(5, 'configure', `{"${LONG_S}ize":1,"size":2}`)],
  [`non-ASCII fold: "${KELVIN}ey" and "key"`, call(6, 'configure', `{"key":1,"${KELVIN}ey":2}`)],
  [`non-ASCII fold: "${FINAL_SIGMA}" and "\u03c3"`, call(7, 'configure', `{"${FINAL_SIGMA}":1,"\u03c3":2}`)],
  ['escaped: "p\\u0061th" and "P\\u0041TH"', call(8, 'read_file', '{"p\\u0061th":"/tmp/ok","P\\u0041TH":"/etc/shadow"}')],
  ['in params._meta', '{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"configure","arguments":{},"_meta":{"progressToken":1,"ProgressToken":2}}}'],
];

/** Names that only look alike: Go keeps them apart, so they pass. */
const DISTINCT: readonly string[] = [
  call(20, 'configure', '{"a_b":1,"ab":2}'),
  call(21, 'configure', `{"${DOTLESS_I}d":1,"id":2}`),
  call(22, 'configure', '{"opts":{"mode":"a"},"Opts2":{"mode":"b"}}'),
  call(23, 'read_file', '{"path":"/tmp/ok","options":{"path":"/etc/shadow"}}'),
];

async function upstream(t: Test): Promise<RawUpstream> {
  const up = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => up.close());
  return up;
}

async function proxy(t: Test, up: RawUpstream, extra: Partial<RunConfigFile>): Promise<InProcessProxy> {
  const p = await startInProcess(httpConfig(up.port, extra), { store: 'memory' });
  t.teardown(() => p.close(1000));
  return p;
}

async function refusedBeforeTheUpstream(t: Test, p: InProcessProxy, up: RawUpstream): Promise<void> {
  const before = up.requests.length;
  for (const [what, body] of FOLDED) {
    const r = await postJson(p.endpoint, body);
    t.equal(r.status, 400, `${what}: 400`);
    t.equal(r.body, REFUSED, `${what}: -32600, without an id`);
  }
  t.equal(up.requests.length, before, 'nothing reached the upstream');
}

async function passedByteForByte(t: Test, p: InProcessProxy, up: RawUpstream, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const before = up.requests.length;
    const r = await postJson(p.endpoint, body);
    t.equal(r.status, 200, `passes: ${body}`);
    t.equal(up.requests.length, before + 1, 'reached the upstream');
    t.equal(up.requests.at(-1)!.body.toString('utf8'), body, 'byte for byte');
  }
}

t.test('§3 §10 with authz_config: argument names Go folds together are refused, nothing reaches the upstream', async (t) => {
  const up = await upstream(t);
  const p = await proxy(t, up, AUTHZ);
  await passedByteForByte(t, p, up, [call(30, 'read_file', '{"path":"/tmp/ok"}')]);
  const denied = await postJson(p.endpoint, call(31, 'read_file', '{"path":"/etc/shadow"}'));
  t.equal(denied.status, 403, 'the policy does judge arg_path');
  await refusedBeforeTheUpstream(t, p, up);
  await passedByteForByte(t, p, up, DISTINCT);
});

t.test('§1 dry-run gives the verdict run gives, from the same chain', async (t) => {
  const up = await upstream(t);
  const p = await proxy(t, up, AUTHZ);
  const loaded = loadConfigText(JSON.stringify(httpConfig(up.port, AUTHZ)), 'dry.json', {}, process.env);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  for (const [what, body] of FOLDED) {
    const dry = await dryRun({ config: loaded.config, body: Buffer.from(body), headerArgs: [], consume: false, store: null, logger: silentLogger() });
    t.equal(dry.verdict, 'reject', `${what}: dry-run rejects`);
    t.equal(dry.rejectedBy, 'parser', `${what}: at the parser`);
    const live = await postJson(p.endpoint, body);
    t.same({ status: dry.response?.status, body: dry.response?.body }, { status: live.status, body: live.body }, `${what}: the answer run gives`);
  }
  const dry = await dryRun({ config: loaded.config, body: Buffer.from(DISTINCT[0]!), headerArgs: [], consume: false, store: null, logger: silentLogger() });
  t.equal(dry.verdict, 'forward', 'look-alike names pass in dry-run too');
});

t.test('§4 with only rate limiting: the same messages pass unchanged (the stage reads only the tool name)', async (t) => {
  const up = await upstream(t);
  const p = await proxy(t, up, { rate_limit_config: { shared: { maxTokens: 1000, refillPeriod: '1h' } } });
  await passedByteForByte(t, p, up, FOLDED.map(([, body]) => body));
});

t.test('§5 with a validating webhook: refused before the webhook is called', async (t) => {
  const up = await upstream(t);
  const webhook = await startWebhookServer({ tls: 'ca', behaviour: 'allow' });
  t.teardown(() => webhook.close());
  const p = await proxy(t, up, { validating_webhooks: [webhookEntry('policy', webhook)] });
  await refusedBeforeTheUpstream(t, p, up);
  t.equal(webhook.calls.length, 0, 'the webhook saw no request');
  const judged = webhook.calls.length;
  await passedByteForByte(t, p, up, [DISTINCT[0]!]);
  t.equal(webhook.calls.length, judged + 1, 'a message with distinct names is judged');
});

t.test('§11 with a mutating webhook: refused before it is called; a patch that adds a folded name is refused', async (t) => {
  const up = await upstream(t);
  const shadow = await startMutatingWebhook(t, (payload) =>
    payload.mcp_request['params']?.['arguments']?.['path'] === '/tmp/ok' ? [{ op: 'add', path: '/mcp_request/params/arguments/PATH', value: '/etc/shadow' }] : [],
  );
  const policy = await startWebhookServer({ tls: 'ca', behaviour: 'allow' });
  t.teardown(() => policy.close());
  const p = await proxy(t, up, { mutating_webhooks: [webhookEntry('shadow', shadow)], validating_webhooks: [webhookEntry('policy', policy)] });
  await refusedBeforeTheUpstream(t, p, up);
  t.equal(shadow.calls.length, 0, 'the mutating webhook saw no request');

  const marks = { upstream: up.requests.length, shadow: shadow.calls.length, policy: policy.calls.length };
  const r = await postJson(p.endpoint, call(40, 'read_file', '{"path":"/tmp/ok"}'));
  t.equal(shadow.calls.length, marks.shadow + 1, 'the mutating webhook was called');
  t.equal(r.status, 500, 'its result is refused (failure_policy fail)');
  t.match(r.body, /"code":-32603/);
  t.equal(policy.calls.length, marks.policy, 'the validating webhook never judged {path, PATH}');
  t.equal(up.requests.length, marks.upstream, 'nothing reached the upstream');
});
