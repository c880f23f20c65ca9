// Regression (SPEC §1): `dry-run --json` with a config that does not load printed nothing on
// stdout (the problems went to stderr as sentences, exit 1), so a script that parses dry-run's
// JSON got an empty document to parse. `--json` means one JSON object on stdout: now it is the
// object `validate --json` prints for that file (`valid: false`, every problem with its JSON
// pointer), with exit 1 as before. Without --json nothing changes.
import t from 'tap';
import { join } from 'node:path';
import { scratchDir, thv } from '../helpers/dryrunCli.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

interface Report {
  valid: boolean;
  errors: { path: string; message: string }[];
  warnings: string[];
}

t.test('§1 dry-run --json, invalid config: exit 1 and the problems as one JSON object on stdout', async (t) => {
  const scratch = scratchDir(t);
  const bad = scratch.file('bad.json', { name: 'x', transport: 'streamable-http', target_port: 9, port: -1, rate_limit_config: {} });
  const r = await thv(['dry-run', '--config', bad, '--store', 'memory', '--request', CALL, '--json']);
  t.equal(r.code, 1, r.stderr);
  let report: Report | undefined;
  t.doesNotThrow(() => (report = JSON.parse(r.stdout) as Report), `stdout is JSON: ${JSON.stringify(r.stdout)}`);
  t.equal(report?.valid, false);
  t.match(report?.errors, [{ path: String, message: String }]);
  t.ok(report?.errors.some((e) => e.path === '/port'), 'every problem, with its pointer');
  t.ok(report?.errors.some((e) => e.path === '/rate_limit_config'));
  const validate = await thv(['validate', bad, '--store', 'memory', '--json']);
  t.same(JSON.parse(r.stdout), JSON.parse(validate.stdout), 'the object validate --json prints');

  const missing = await thv(['dry-run', '--config', join(scratch.dir, 'nope.json'), '--request', CALL, '--json']);
  t.equal(missing.code, 1);
  t.match(JSON.parse(missing.stdout), { valid: false, errors: [{ path: '', message: /nope\.json/ }] }, 'an unreadable file too');

  const plain = await thv(['dry-run', '--config', bad, '--store', 'memory', '--request', CALL]);
  t.equal(plain.code, 1);
  t.equal(plain.stdout, '', 'without --json: nothing on stdout');
  t.match(plain.stderr, /bad\.json: \/port: /, 'the problems as sentences on stderr');
});
