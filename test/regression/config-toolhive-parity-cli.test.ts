// SPEC §2 through the command line (main() in-process): a ToolHive field thv-proxy does not
// enforce makes `validate`, `run` and `dry-run` refuse the config (exit 1) — they used to accept
// it with a warning, so a replica served what a ToolHive replica of the same config refused —
// unless `--allow-unenforced` names it. Also: the warnings a new user needs (an open listener, a
// secret file ending in a newline) and a "$schema" member, which used to be an unknown field.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { main } from '../../src/cli/main.js';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'thv-proxy', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'thv-parity-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
function file(name: string, content: unknown): string {
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

const base = { name: 'search', transport: 'stdio', command: 'node', cmd_args: ['server.js'] };
// Fields later versions are least likely to implement, so the test keeps meaning what it says.
const tokenExchange = { token_url: 'https://sts.example/token', audience: 'upstream' };
const withUnenforced = { ...base, token_exchange_config: tokenExchange, aws_sts_config: { region: 'eu-west-1' } };
const TX_ERROR = "/token_exchange_config: not enforced by thv-proxy: a ToolHive replica exchanges the client's token for an upstream token (RFC 8693); remove the field, or pass --allow-unenforced token_exchange_config to run without it";

t.test('§2 validate refuses unenforced fields, one pointed line each, exit 1', async (t) => {
  const p = file('unenforced.json', withUnenforced);
  const r = await cli('validate', p);
  t.equal(r.code, 1);
  t.equal(r.stdout, '');
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 2, r.stderr);
  t.equal(lines[0], `${p}: ${TX_ERROR}`);
  t.match(lines[1], `${p}: /aws_sts_config: not enforced by thv-proxy`);
});

t.test('§2 --allow-unenforced (comma-separated or repeated) turns them into warnings', async (t) => {
  const p = file('unenforced.json', withUnenforced);
  for (const args of [['--allow-unenforced', 'token_exchange_config,aws_sts_config'], ['--allow-unenforced', 'token_exchange_config', '--allow-unenforced', 'aws_sts_config']]) {
    const r = await cli('validate', p, ...args);
    t.equal(r.code, 0, r.stderr);
    t.match(r.stderr, `${p}: warning: token_exchange_config is not enforced (--allow-unenforced): a ToolHive replica exchanges the client's token for an upstream token (RFC 8693), this one does not\n`);
    t.match(r.stderr, `${p}: warning: aws_sts_config is not enforced (--allow-unenforced)`);
    t.match(r.stdout, /valid; the chain/);
  }
  const json = await cli('validate', p, '--json', '--allow-unenforced', 'token_exchange_config');
  t.equal(json.code, 1);
  const report = JSON.parse(json.stdout);
  t.equal(report.valid, false);
  t.strictSame(report.errors.map((e: { path: string }) => e.path), ['/aws_sts_config']);
  t.match(report.warnings, [/^token_exchange_config is not enforced/]);
});

t.test('§2 --allow-unenforced with a name that is no RunConfig field is a usage error (exit 2)', async (t) => {
  const p = file('unenforced.json', withUnenforced);
  for (const cmd of [['validate', p], ['run', '--config', p], ['dry-run', '--config', p, '--request', '{}']]) {
    const r = await cli(...cmd, '--allow-unenforced', 'oidc');
    t.equal(r.code, 2, cmd.join(' '));
    t.match(r.stderr, /not a RunConfig field: oidc \(fields thv-proxy does not enforce: .*token_exchange_config, /, cmd.join(' '));
  }
});

t.test('§2 run and dry-run judge the config exactly like validate', async (t) => {
  const p = file('tx.json', { ...base, token_exchange_config: tokenExchange });
  const run = await cli('run', '--config', p, '--port', '0', '--store', 'memory');
  t.equal(run.code, 1);
  t.match(run.stderr, `${p}: ${TX_ERROR}`);

  const request = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';
  const refused = await cli('dry-run', '--config', p, '--request', request, '--store', 'memory');
  t.equal(refused.code, 1);
  t.match(refused.stderr, `${p}: ${TX_ERROR}`);
  const allowed = await cli('dry-run', '--config', p, '--request', request, '--store', 'memory', '--allow-unenforced', 'token_exchange_config');
  t.equal(allowed.code, 0, allowed.stderr);
  t.match(allowed.stderr, /warning: token_exchange_config is not enforced/);
});

t.test('§2 strict_protocol_validation and additional_middleware_configs: [] load silently; a non-empty list is refused', async (t) => {
  const ok = await cli('validate', file('strict.json', { ...base, strict_protocol_validation: true, additional_middleware_configs: [] }));
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stderr, '');
  const p = file('extra.json', { ...base, additional_middleware_configs: [{ type: 'obo', parameters: {} }] });
  const r = await cli('validate', p);
  t.equal(r.code, 1);
  t.match(r.stderr, `${p}: /additional_middleware_configs: not enforced by thv-proxy`);
});

t.test('a "$schema" member (editors) is accepted silently', async (t) => {
  const r = await cli('validate', file('schema.json', { $schema: './node_modules/thv-proxy/schemas/runconfig.schema.json', ...base }));
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr, '');
});

t.test('validate warns about a listener outside loopback without authentication; --host counts', async (t) => {
  const p = file('open.json', { ...base, host: '0.0.0.0', port: 9000 });
  const r = await cli('validate', p);
  t.equal(r.code, 0);
  t.equal(r.stderr, `${p}: warning: listening on every interface (0.0.0.0) without authentication: anyone who can reach port 9000 can call every tool of "search"\n`);
  const json = JSON.parse((await cli('validate', p, '--json')).stdout);
  t.match(json.warnings, [/^listening on every interface/]);
  t.equal((await cli('validate', file('closed.json', base))).stderr, '', 'loopback: nothing to say');
});

t.test('§5 validate warns when an HMAC secret file ends with a newline', async (t) => {
  const secret = file('secret', 's3cret\n');
  const p = file('hmac.json', { ...base, validating_webhooks: [{ name: 'policy', url: 'https://policy.example/v', failure_policy: 'fail', hmac_secret_ref: secret }] });
  const r = await cli('validate', p);
  t.equal(r.code, 0);
  t.equal(
    r.stderr,
    `${p}: warning: webhook "policy": secret file ${JSON.stringify(secret)} ends with a newline, which is part of the secret (as in ToolHive); signatures will not match a webhook whose secret has none\n`,
  );
});
