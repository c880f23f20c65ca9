// docs/operations.md lists every flag of `thv-proxy run`, and nothing else: the flags commander
// has registered (as `run --help` prints them) and the documented table cannot drift apart.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { main } from '../../../src/cli/main.js';

async function registeredRunFlags(): Promise<string[]> {
  let help = '';
  const code = await main(['node', 'thv-proxy', 'run', '--help'], { stdout: (s) => (help += s), stderr: () => undefined });
  if (code !== 0) throw new Error(`run --help exited ${code}`);
  // Option terms start at two spaces; wrapped descriptions are indented further.
  return [...help.matchAll(/^ {2}(?:-[A-Za-z], )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1] as string).filter((f) => f !== '--help');
}

function documentedRunFlags(): string[] {
  const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
  const m = /<!-- run-flags:begin[^>]*-->([\s\S]*?)<!-- run-flags:end -->/.exec(doc);
  if (!m) throw new Error('docs/operations.md has no run-flags markers');
  const rows = (m[1] as string).split('\n').filter((l) => l.startsWith('| `-'));
  return rows.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`(?:-[A-Za-z], )?(--[a-z][a-z0-9-]*)/g)].map((x) => x[1] as string));
}

t.test('docs/operations.md documents exactly the flags `run` registers', async (t) => {
  const registered = await registeredRunFlags();
  t.ok(registered.includes('--config') && registered.length > 5, `parsed the help: ${registered.join(' ')}`);
  const documented = documentedRunFlags();
  t.strictSame([...documented].sort(), [...registered].sort());
  t.equal(new Set(documented).size, documented.length, 'each flag documented once');
});
