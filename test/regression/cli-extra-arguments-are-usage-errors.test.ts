// SPEC §1: a usage error is exit 2 with a sentence. `thv-proxy --version extra` printed the version
// and exited 0, and a second `--request` on dry-run silently replaced the first (so did a second
// `--config`): the command ran on input the operator did not mean.
import t from 'tap';
import { main } from '../../src/cli/main.js';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'thv-proxy', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

t.test('§1 --version alone prints the version; with anything else it is a usage error', async (t) => {
  for (const flag of ['--version', '-V']) {
    const ok = await cli(flag);
    t.equal(ok.code, 0, flag);
    t.match(ok.stdout, /^\d+\.\d+\.\d+\n$/, flag);
  }
  for (const args of [['--version', 'extra'], ['extra', '--version'], ['-V', '-V'], ['--version', '--json']]) {
    const r = await cli(...args);
    t.equal(r.code, 2, args.join(' '));
    t.equal(r.stdout, '', args.join(' '));
    t.match(r.stderr, /^error: --version takes nothing else/, args.join(' '));
  }
});

t.test('§1 dry-run: two --request flags are a usage error, not one silently dropped', async (t) => {
  const r = await cli('dry-run', '--config', '/nonexistent.json', '--request', '{"a":1}', '--request', '{"b":2}');
  t.equal(r.code, 2);
  t.match(r.stderr, /--request.*given twice/);
});

t.test('§1 run, validate and dry-run: two --config flags are a usage error', async (t) => {
  for (const cmd of [['run'], ['validate'], ['dry-run', '--request', '{}']]) {
    const what = cmd.join(' ');
    const r = await cli(...cmd, '--config', '/a.json', '--config', '/b.json');
    t.equal(r.code, 2, what);
    t.match(r.stderr, /--config.*given twice/, what);
  }
});
