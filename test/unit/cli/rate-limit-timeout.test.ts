// §1/§4 `--rate-limit-timeout <duration>` on run and dry-run: a Go duration, > 0 and <= 5s, in
// milliseconds; anything else is a usage error (exit 2) that says what is expected.
// test/integration/ratelimit-timeout-flag.test.ts shows the bound taking effect.
import { InvalidArgumentError } from 'commander';
import t from 'tap';
import { main, parseRateLimitTimeout } from '../../../src/cli/main.js';

const EXAMPLE = new URL('../../../runconfig.example.json', import.meta.url).pathname;
const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(['node', 'thv-proxy', ...args], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

t.test('§4 --rate-limit-timeout parses Go durations to milliseconds', async (t) => {
  const cases: Array<[string, number]> = [
    ['250ms', 250],
    ['1s', 1000],
    ['1.5s', 1500],
    ['2s', 2000],
    ['5s', 5000],
    ['4s999ms', 4999],
    ['500us', 0.5],
    ['1ns', 0.000001],
    ['0.1s', 100],
  ];
  for (const [text, ms] of cases) t.equal(parseRateLimitTimeout(text), ms, text);
});

t.test('§4 --rate-limit-timeout refuses zero, negatives, over 5s and non-durations', async (t) => {
  for (const text of ['0', '0s', '-1s', '5.001s', '5s1ns', '6s', '1m', '250', 'fast', '', '1 s', '1S']) {
    t.throws(() => parseRateLimitTimeout(text), InvalidArgumentError, JSON.stringify(text));
  }
  t.throws(() => parseRateLimitTimeout('6s'), /greater than 0 and at most 5s, got 6s/);
  t.throws(() => parseRateLimitTimeout('250'), /Go duration such as 250ms or 1s .*missing unit/);
});

t.test('§1 a bad --rate-limit-timeout is a usage error (exit 2) for run and dry-run', async (t) => {
  for (const value of ['0s', '10s', 'soon']) {
    const run = await cli('run', '--config', EXAMPLE, '--store', 'memory', '--rate-limit-timeout', value);
    t.equal(run.code, 2, `run --rate-limit-timeout ${value}`);
    t.match(run.stderr, /error: option '--rate-limit-timeout <duration>' argument '.*' is invalid/);
    const dry = await cli('dry-run', '--config', EXAMPLE, '--store', 'memory', '--request', CALL, '--rate-limit-timeout', value);
    t.equal(dry.code, 2, `dry-run --rate-limit-timeout ${value}`);
    t.match(dry.stderr, /--rate-limit-timeout/);
  }
  const missing = await cli('run', '--config', EXAMPLE, '--rate-limit-timeout');
  t.equal(missing.code, 2, 'the flag needs a value');
});

t.test('§1 a good --rate-limit-timeout is accepted by dry-run (memory store: nothing to wait for)', async (t) => {
  const r = await cli('dry-run', '--config', EXAMPLE, '--store', 'memory', '--request', CALL, '--rate-limit-timeout', '1s');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /verdict: forward/);
});

t.test('§1 --help of run and dry-run lists the flag with its default', async (t) => {
  // commander wraps descriptions at the terminal width: compare with the wrapping undone.
  const help = async (command: string): Promise<string> => (await cli(command, '--help')).stdout.replace(/\s+/g, ' ');
  t.match(await help('run'), /--rate-limit-timeout <duration> [^()]*\([^()]*default 250ms\)/);
  t.match(await help('dry-run'), /--rate-limit-timeout <duration> [^()]*\([^()]*default 5s\)/);
});
