// SPEC §5: an hmac_secret_ref file's bytes, exactly, are the secret, as ToolHive reads it
// (pkg/webhook/secrets.go: os.ReadFile, nothing trimmed). thv-proxy used to strip trailing
// newlines, so a replica signed with a different key than a ToolHive replica of the same config
// and a webhook checking ToolHive's signatures refused every request from it. `validate` (and
// run's startup log) warns when the file ends with a newline, which is rarely meant.
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { baseConfig, load } from '../unit/config/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'thv-hmac-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

function withSecretFile(name: string, content: Buffer | string): Record<string, any> {
  const path = join(dir, name);
  writeFileSync(path, content);
  const doc = baseConfig();
  doc.validating_webhooks = [{ name: 'policy', url: 'https://policy.example/v', failure_policy: 'fail', hmac_secret_ref: path }];
  return doc;
}

t.test('§5 a trailing newline is part of the secret, and validate warns about it', async (t) => {
  const r = load(withSecretFile('nl', 's3cret\n'));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  const secret = r.config.webhooks[0]?.hmacSecret;
  t.same(secret, Buffer.from('s3cret\n'), 'the file, byte for byte');
  // What a ToolHive replica sends for the same config (HMAC over "<ts>.<body>" with the file's bytes).
  const sig = (key: Buffer | string) => createHmac('sha256', key).update('1700000000.{}').digest('hex');
  t.equal(sig(secret as Buffer), sig(Buffer.from('s3cret\n')));
  t.not(sig(secret as Buffer), sig('s3cret'));
  t.match(r.warnings, [/webhook "policy": secret file ".*nl" ends with a newline, which is part of the secret/]);
});

t.test('§5 CRLF, several newlines and a newline-only file are kept whole too', async (t) => {
  for (const content of ['s3cret\r\n', 's3cret\n\n', '\n']) {
    const r = load(withSecretFile('multi', content));
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    t.same(r.config.webhooks[0]?.hmacSecret, Buffer.from(content), JSON.stringify(content));
    t.equal(r.warnings.filter((w) => /ends with a newline/.test(w)).length, 1, JSON.stringify(content));
  }
});

t.test('§5 a secret without a final newline loads silently; arbitrary bytes are kept', async (t) => {
  const bytes = Buffer.from([0x00, 0xff, 0x0d, 0x41]);
  const r = load(withSecretFile('bin', bytes));
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  t.same(r.config.webhooks[0]?.hmacSecret, bytes);
  t.strictSame(r.warnings, []);
});

t.test('§5 an empty secret file is an error, as in ToolHive ("resolved secret is empty")', async (t) => {
  const r = load(withSecretFile('empty', ''));
  t.equal(r.ok, false);
  if (!r.ok) t.match(r.errors, [{ path: '/validating_webhooks/0/hmac_secret_ref', message: /secret file ".*empty" is empty/ }]);
});
