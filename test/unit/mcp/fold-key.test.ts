// foldKey (src/mcp/jsonShape.ts) must make two member names equal exactly when Go's encoding/json
// takes them for the same struct field: each rune compared by its Unicode simple case folding
// (Go's unicode.SimpleFold orbits). The regex engine's /iu flag compares characters by the same
// simple case folding, so every cased code point's orbit is read from it and compared with the
// code points foldKey gives the same form. (Node's Unicode version may be newer than the Go
// release's; an orbit Unicode added later is refused here before Go folds it, never after.)

import t from 'tap';
import { foldKey } from '../../../src/mcp/jsonShape.js';

t.test('pairs Go folds together, and look-alikes it keeps apart', async (t) => {
  const same: Array<[string, string]> = [
    ['path', 'PATH'],
    ['Mode', 'mODE'],
    ['\u017fize', 'size'], // ſ
    ['\u017fize', 'SIZE'],
    ['\u212aey', 'key'], // Kelvin sign
    ['\u212bngstrom', '\u00e5ngstrom'], // Angstrom sign, å
    ['\u03c2', '\u03c3'], // final sigma, sigma
    ['\u03c2', '\u03a3'],
    ['\u03d1', '\u03b8'], // theta symbol, theta
    ['\u0345', '\u1fbe'], // ypogegrammeni, prosgegrammeni: both ι
    ['\u00b5', '\u03bc'], // micro sign, mu
    ['\u1e9e', '\u00df'], // capital sharp s, ß
    ['\u01c5', '\u01c6'], // ǅ, ǆ
    ['\u1c80', '\u0432'], // Cyrillic rounded ve, в
    ['\u1fd3', '\u0390'],
  ];
  for (const [a, b] of same) t.equal(foldKey(a), foldKey(b), `${a} ~ ${b}`);
  const distinct: Array<[string, string]> = [
    ['a_b', 'ab'],
    ['a-b', 'ab'],
    ['\u0131d', 'id'], // dotless i: its own orbit in Go
    ['\u0130d', 'id'], // dotted capital I: its own orbit in Go
    ['\u00df', 'ss'], // ß is no "ss" to a simple folding
    ['\ufb00', 'ff'],
    ['e\u0301', '\u00e9'], // no normalisation: other code points
  ];
  for (const [a, b] of distinct) t.not(foldKey(a), foldKey(b), `${a} !~ ${b}`);
});

t.test('lower-case ASCII is its own form; other ASCII is lower-cased', async (t) => {
  for (const name of ['', 'path', 'a_b-c.d/0', 'x'.repeat(1000)]) t.equal(foldKey(name), name);
  t.equal(foldKey('ProgressToken'), 'progresstoken');
});

t.test('every cased code point shares its form with exactly its simple-fold orbit', async (t) => {
  const candidate = /\p{Cased}|\p{Changes_When_Casemapped}|\p{Changes_When_Casefolded}/u;
  const cased: string[] = [];
  let uncasedMoved = 0;
  for (let cp = 0x41; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const ch = String.fromCodePoint(cp);
    if (candidate.test(ch)) cased.push(ch);
    else if (cp > 0x7f && foldKey(ch) !== ch) uncasedMoved++;
  }
  t.equal(uncasedMoved, 0, 'a code point without case is its own form');
  const all = cased.join('\u0000');
  const byForm = new Map<string, Set<string>>();
  for (const ch of cased) {
    const form = foldKey(ch);
    if (!byForm.has(form)) byForm.set(form, new Set());
    byForm.get(form)!.add(ch);
  }
  const wrong: string[] = [];
  const hex = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
  for (const ch of cased) {
    const orbit = new Set(all.match(new RegExp(`\\u{${ch.codePointAt(0)!.toString(16)}}`, 'giu')));
    const group = byForm.get(foldKey(ch))!;
    if (orbit.size !== group.size || ![...orbit].every((x) => group.has(x))) {
      wrong.push(`${hex(ch)}: orbit ${[...orbit].map(hex).join(' ')}, same form ${[...group].map(hex).join(' ')}`);
    }
  }
  t.same(wrong, [], `${cased.length} cased code points`);
});
