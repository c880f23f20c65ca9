// §2 bad input is never a stack trace: the example config, mutated at random (seeded, so a
// failure reproduces) — fields deleted, types changed, junk inserted, text truncated — always
// loads to ok or to readable errors, and the loader never throws.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { load } from './helpers.js';
import { mutateText, mutateTree, prng, type Json } from './mutations.js';

const EXAMPLE = readFileSync(new URL('../../../runconfig.example.json', import.meta.url), 'utf8');
const RUNS = 400;

t.test(`§2 ${RUNS} random mutations of the example: ok or readable errors, never a throw`, async (t) => {
  const rnd = prng(0x7468_7670);
  const outcomes = { ok: 0, invalid: 0, text: 0 };
  for (let i = 0; i < RUNS; i++) {
    let input: string;
    if (i % 4 === 3) {
      input = mutateText(EXAMPLE, rnd);
      outcomes.text++;
    } else {
      const doc = JSON.parse(EXAMPLE) as Json;
      const rounds = 1 + Math.floor(rnd() * 4);
      for (let r = 0; r < rounds; r++) mutateTree(doc, rnd);
      input = JSON.stringify(doc);
    }
    let result: ReturnType<typeof load>;
    try {
      result = load(input, { store: rnd() < 0.5 ? 'redis' : 'memory' });
    } catch (err) {
      t.fail(`run ${i} threw ${(err as Error).stack}\ninput: ${input}`);
      continue;
    }
    if (result.ok) {
      outcomes.ok++;
      continue;
    }
    outcomes.invalid++;
    if (result.errors.length === 0) t.fail(`run ${i}: invalid without an error\ninput: ${input}`);
    for (const e of result.errors) {
      const readable =
        typeof e.message === 'string' && e.message.length > 5 && !e.message.startsWith('internal error') &&
        (e.path === '' || e.path.startsWith('/')) && !/\n|undefined|\[object /.test(e.message);
      if (!readable) t.fail(`run ${i}: unreadable problem ${JSON.stringify(e)}\ninput: ${input}`);
    }
  }
  t.ok(outcomes.invalid > RUNS / 4, `most mutations are caught (${JSON.stringify(outcomes)})`);
  t.ok(outcomes.ok > 0, 'some mutations are harmless and still load');
});
