// Regression (SPEC §5, §8, §11): a webhook URL was printed as written — `validate`'s summary and
// dry-run's `facts.url` showed `?token=...` and `user:password@` — and its userinfo was silently
// dropped when calling (undici's pool takes the origin only). ToolHive's webhook client builds
// its request from the URL with http.NewRequestWithContext and sends it with http.Client.Do,
// which turns URL userinfo into `Authorization: Basic` (net/http client.go, send); so does
// thv-proxy now, and neither the userinfo nor query values are ever printed (urlText.ts).
import t from 'tap';
import { jsonResult, startRawUpstream, type RawUpstream } from '../helpers/upstream.js';
import { startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';
import { scratchDir, thv } from '../helpers/dryrunCli.js';
import type { RunConfigFile } from '../../src/config/types.js';

const PASSWORD = 's3cret-pw';
const TOKEN = 'tok-123';
const KEY = 'k-456';
const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search","arguments":{}}}';

/** A webhook that allows everything (validating and mutating answers look alike without a patch). */
async function allowAll(): Promise<RawUpstream> {
  return startRawUpstream((_req, res, body) => {
    const { uid } = JSON.parse(body.toString()) as { uid: string };
    const text = JSON.stringify({ version: 'v0.1.0', uid, allowed: true });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(text);
  });
}

function config(port: number, validating: string, mutating: string): RunConfigFile {
  const tls_config = { insecure_skip_verify: true };
  return {
    name: 'hooks',
    transport: 'streamable-http',
    target_port: port,
    port: 0,
    validating_webhooks: [{ name: 'policy', url: validating, failure_policy: 'fail', tls_config }],
    mutating_webhooks: [{ name: 'redact', url: mutating, failure_policy: 'fail', tls_config }],
  };
}

function secretsIn(text: string): string[] {
  return [PASSWORD, TOKEN, KEY, 'alice'].filter((s) => text.includes(s));
}

t.test('§1 §8 validate: webhook URLs are shown without userinfo or query values', async (t) => {
  const scratch = scratchDir(t);
  const cfg = scratch.file('c.json', config(9, `https://alice:${PASSWORD}@policy.example/validate?token=${TOKEN}`, `https://policy.example/mutate?key=${KEY}&flag`));
  for (const json of [false, true]) {
    const r = await thv(['validate', cfg, ...(json ? ['--json'] : [])]);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, /https:\/\/\*\*\*@policy\.example\/validate\?token=…/);
    t.match(r.stdout, /https:\/\/policy\.example\/mutate\?key=…&…/);
    t.strictSame(secretsIn(r.stdout + r.stderr), [], `${json ? '--json' : 'text'}: ${r.stdout}${r.stderr}`);
  }
});

t.test('§5 §11 userinfo is sent as Basic auth, as Go’s http.Client does; the query is sent as written', async (t) => {
  const hook = await allowAll();
  t.teardown(() => hook.close());
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(
    config(upstream.port, `http://alice:${PASSWORD}@127.0.0.1:${hook.port}/validate?token=${TOKEN}`, `http://al%40ice:p%3Aw@127.0.0.1:${hook.port}/mutate?key=${KEY}`),
  );
  t.teardown(() => proxy.close(1000));
  t.equal((await postJson(proxy.url, CALL)).status, 200);
  const [mutate, validate] = hook.requests;
  t.equal(mutate?.url, `/mutate?key=${KEY}`);
  t.equal(mutate?.headers.authorization, `Basic ${Buffer.from('al@ice:p:w').toString('base64')}`, 'percent-encoding decoded, as Go’s Username()/Password()');
  t.equal(validate?.url, `/validate?token=${TOKEN}`);
  t.equal(validate?.headers.authorization, `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
  t.strictSame(secretsIn(JSON.stringify(proxy.logs)), [], 'nothing of it logged');
});

t.test('§1 dry-run: facts.url and the text output never show the credentials', async (t) => {
  const hook = await allowAll();
  t.teardown(() => hook.close());
  const scratch = scratchDir(t);
  const cfg = scratch.file('d.json', config(9, `http://alice:${PASSWORD}@127.0.0.1:${hook.port}/validate?token=${TOKEN}`, `http://127.0.0.1:${hook.port}/mutate?key=${KEY}`));
  const json = await thv(['dry-run', '--config', cfg, '--request', CALL, '--json']);
  t.equal(json.code, 0, json.stderr);
  const out = JSON.parse(json.stdout) as { stages: Array<{ stage: string; facts?: { url?: string } }> };
  const urls = out.stages.flatMap((s) => (s.facts?.url === undefined ? [] : [s.facts.url]));
  t.strictSame(urls, [`http://127.0.0.1:${hook.port}/mutate?key=…`, `http://***@127.0.0.1:${hook.port}/validate?token=…`]);
  t.strictSame(secretsIn(json.stdout + json.stderr), []);
  const text = await thv(['dry-run', '--config', cfg, '--request', CALL]);
  t.equal(text.code, 0, text.stderr);
  t.strictSame(secretsIn(text.stdout + text.stderr), [], text.stdout);
  t.equal(hook.requests.length, 4, 'the webhooks were called');
  t.equal(hook.requests[1]!.headers.authorization, `Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
});

t.test('§2 validate: userinfo Go’s url.Parse refuses is an error at the webhook’s /url, not printed', async (t) => {
  const scratch = scratchDir(t);
  for (const bad of [`https://alice:${PASSWORD}%zz@policy.example/validate`, `https://alice:${PASSWORD}"x@policy.example/validate`]) {
    const cfg = scratch.file('b.json', config(9, bad, 'https://policy.example/mutate'));
    const r = await thv(['validate', cfg]);
    t.equal(r.code, 1, `${bad}: ${r.stdout}${r.stderr}`);
    t.match(r.stderr, /\/validating_webhooks\/0\/url: /);
    t.notOk((r.stdout + r.stderr).includes(PASSWORD), r.stderr);
  }
});
