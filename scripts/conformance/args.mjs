// The flags of `npm run conformance`. Recording into docs/conformance.md (a tracked file) happens
// only when asked with --record: a run to check something must leave the work tree clean.

const FLAGS = new Set(['--record', '--no-record', '--no-build', '--strict', '--keep']);

/** { record, build, strict, keep } from argv (after the script name); throws on an unknown flag. */
export function parseArgs(argv) {
  const unknown = argv.filter((a) => !FLAGS.has(a));
  if (unknown.length > 0) throw new Error(`unknown flag ${unknown.join(', ')} (flags: ${[...FLAGS].join(', ')})`);
  const has = (f) => argv.includes(f);
  if (has('--record') && has('--no-record')) throw new Error('--record and --no-record contradict each other');
  return { record: has('--record'), build: !has('--no-build'), strict: has('--strict'), keep: has('--keep') };
}
