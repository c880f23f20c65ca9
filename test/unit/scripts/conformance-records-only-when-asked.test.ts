// `npm run conformance` leaves tracked files alone unless asked with --record (it used to rewrite
// docs/conformance.md on every run), and a mistyped flag stops it instead of being ignored.
import t from 'tap';

const ARGS = new URL('../../../scripts/conformance/args.mjs', import.meta.url).href;

t.test('no docs/ write by default; --record asks for it', async (t) => {
  const { parseArgs } = await import(ARGS);
  t.strictSame(parseArgs([]), { record: false, build: true, strict: false, keep: false });
  t.equal(parseArgs(['--record']).record, true);
  t.equal(parseArgs(['--no-record']).record, false, 'the old opt-out still parses');
  t.strictSame(parseArgs(['--no-build', '--strict', '--keep']), { record: false, build: false, strict: true, keep: true });
});

t.test('an unknown or contradictory flag is refused', async (t) => {
  const { parseArgs } = await import(ARGS);
  t.throws(() => parseArgs(['--recrod']), /unknown flag --recrod/);
  t.throws(() => parseArgs(['--record', '--no-record']), /contradict/);
});
