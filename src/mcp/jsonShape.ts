// Checks on the shape of JSON text that JSON.parse cannot make, because it has already thrown the
// evidence away. Each closes a parse differential: a message the proxy judges one way and some
// conforming upstream reads another way (SPEC §3: what the chain judged must be exactly what the
// server executes).
//
// - Duplicate member names, at any depth. JSON.parse keeps the last, other parsers the first:
//   `{"method":"tools/list","method":"tools/call"}` is a different call to each.
// - Names that collide case-insensitively in the envelope and in params. Go's encoding/json
//   matches struct fields case-insensitively, so to a Go MCP server
//   `{"method":"tools/list","Method":"tools/call"}` is a tools/call, and a lone `"Name"` in
//   tools/call params names the tool the proxy saw no name for. Go's folding is Unicode's, not
//   ASCII's (foldKey): "paramſ" is "params" to it.
// - With FoldScope 'params', the same in every object inside params, at any depth (tool
//   arguments included). Go decodes into structs case-insensitively at every level, and the Go
//   MCP SDKs decode tools/call arguments into structs: to them `{"path":"/tmp/ok","PATH":"/etc/x"}`
//   is path=/etc/x (the last match), while Cedar's arg_path and a webhook saw /tmp/ok. The parser
//   stage asks for it when the chain judges arguments (parserStage.ts); otherwise names below
//   params are user data (a headers map may hold "Accept" and "accept") and only exact
//   duplicates are refused there.
// - Nesting deeper than MAX_DEPTH: no MCP message needs it, and deep structures are what
//   recursive code downstream (serialisers, policy engines) overflows on.
//
// Runs on text JSON.parse accepted, so it only has to find strings and brackets.

import { CLOSE_ARRAY, CLOSE_OBJECT, COMMA, memberName, OPEN_ARRAY, OPEN_OBJECT, QUOTE, stringEnd } from './jsonText.js';

export { stringEnd } from './jsonText.js';

/** Deepest nesting of objects and arrays accepted in a message. */
export const MAX_DEPTH = 128;

/** Members whose names Go would also match in another case, per level (1: envelope, 2: params). */
const ENVELOPE = spellings(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);
const PARAMS = spellings(['name', 'arguments', 'uri', '_meta', 'clientInfo', 'protocolVersion', 'capabilities', 'cursor']);

/**
 * Where member names are compared as Go folds them. 'envelope': the envelope and params (levels
 * 1 and 2). 'params': also every object inside params, at any depth — for a chain that judges
 * arguments (Cedar, webhooks).
 */
export type FoldScope = 'envelope' | 'params';

/**
 * Where lower(upper(c)) and the simple-fold orbits part: U+0131 (ı) is an orbit of its own (Go's
 * caseOrbit says so too; its upper case is "I"), and recent Unicode folds three pairs together
 * whose case mappings do not meet (ΐ, ΰ, ﬅ). Go releases whose tables predate that keep the pairs
 * apart: refusing them is the safe side.
 */
const FOLD_EXCEPTIONS: ReadonlyMap<string, string> = new Map([
  ['\u0131', '\u0131'],
  ['\u1fd3', '\u0390'],
  ['\u1fe3', '\u03b0'],
  ['\ufb05', '\ufb06'],
]);

/**
 * A form under which two member names are equal exactly when Go's encoding/json takes them for
 * the same field: it folds each rune to the smallest of its Unicode simple-fold orbit (foldRune
 * in Go's fold.go), so U+017F (ſ) is "s", the Kelvin sign U+212A is "k" and "ς" is "σ". Here each
 * code point goes to a lower-case member of its orbit (only equality matters);
 * test/unit/mcp/fold-key.test.ts checks every code point against the regex engine's own simple
 * case folding. A name of lower-case ASCII is its own form and is returned as is (no allocation).
 */
export function foldKey(name: string): string {
  let folded = true;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f) return foldUnicode(name);
    if (c >= 0x41 && c <= 0x5a) folded = false;
  }
  return folded ? name : name.toLowerCase();
}

function foldUnicode(name: string): string {
  let out = '';
  for (const ch of name) out += ch.length === 1 && ch.charCodeAt(0) <= 0x7f ? ch.toLowerCase() : foldCodePoint(ch);
  return out;
}

function foldCodePoint(ch: string): string {
  const exception = FOLD_EXCEPTIONS.get(ch);
  if (exception !== undefined) return exception;
  // Through upper case, so "ς" and "σ" (both "Σ") and "ϑ" and "θ" meet; full mappings that make
  // more than one code point ("ß" is "SS") are no simple folding, and the code point stays.
  const viaUpper = ch.toUpperCase().toLowerCase();
  if (oneCodePoint(viaUpper)) return viaUpper;
  const lower = ch.toLowerCase();
  return oneCodePoint(lower) ? lower : ch;
}

function oneCodePoint(s: string): boolean {
  return s.length === 1 || (s.length === 2 && s.codePointAt(0)! > 0xffff);
}

/** lower-case form -> the one spelling MCP uses. */
function spellings(names: readonly string[]): ReadonlyMap<string, string> {
  return new Map(names.map((n) => [n.toLowerCase(), n]));
}


// The scan keeps no object per JSON object: it runs synchronously, so its state lives in arrays
// reused from call to call (a Set per object was ~1.3 KB of garbage per request, docs/performance.md).
// `names` holds the member names of every open object one after another, `lowers` their folded
// forms in the objects that fold (foldKey); an object's names start at starts[depth]. An object
// that grows past SMALL members gets Sets, so a hostile object of 100 000 members stays linear.
const SMALL = 16;
const names: string[] = [];
const lowers: string[] = [];
const starts = new Int32Array(MAX_DEPTH + 1);
/** 1: the open container at this depth is an object; 0: an array. */
const isObject = new Uint8Array(MAX_DEPTH + 1);
/** 1: the object open at this depth compares its names folded too. */
const folds = new Uint8Array(MAX_DEPTH + 1);
const bigNames: (Set<string> | null)[] = new Array<Set<string> | null>(MAX_DEPTH + 1).fill(null);
const bigLowers: (Set<string> | null)[] = new Array<Set<string> | null>(MAX_DEPTH + 1).fill(null);

/** Has the object at `depth` a member `name` already (`pool` from `from` on, or its Set)? */
function seen(pool: string[], big: (Set<string> | null)[], depth: number, name: string): boolean {
  const set = big[depth] ?? null;
  if (set !== null) return set.has(name);
  for (let j = starts[depth]!; j < pool.length; j++) if (pool[j] === name) return true;
  return false;
}

/** Record `name` in the object at `depth`; past SMALL members its names move into a Set. */
function remember(pool: string[], big: (Set<string> | null)[], depth: number, name: string): void {
  const set = big[depth] ?? null;
  if (set !== null) {
    set.add(name);
    return;
  }
  pool.push(name);
  if (pool.length - starts[depth]! > SMALL) big[depth] = new Set(pool.slice(starts[depth]!));
}

/** Undefined when the text is safe to judge, else why not. `text` must be valid JSON. */
export function shapeProblem(text: string, fold: FoldScope = 'envelope'): string | undefined {
  const foldParams = fold === 'params';
  let depth = 0;
  let expectName = false;
  /** The value being scanned (at depth 2 and below) is the envelope's `params`. */
  let inParams = false;
  try {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        const end = stringEnd(text, i);
        if (expectName) {
          const name = memberName(text, i, end);
          if (seen(names, bigNames, depth, name)) return `member ${JSON.stringify(name)} appears twice`;
          remember(names, bigNames, depth, name);
          if (folds[depth] === 1) {
            const lower = foldKey(name);
            if (seen(lowers, bigLowers, depth, lower)) return `members ${JSON.stringify(name)} and another differ only in case (as Go reads names)`;
            remember(lowers, bigLowers, depth, lower);
            if (depth <= 2) {
              const spelling = (depth === 1 ? ENVELOPE : PARAMS).get(lower);
              if (spelling !== undefined && spelling !== name) return `member ${JSON.stringify(name)} is ${JSON.stringify(spelling)} in another case (as Go reads names)`;
            }
          }
          if (depth === 1) inParams = name === 'params';
          expectName = false;
        }
        i = end;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth === MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
        depth++;
        const object = c === OPEN_OBJECT;
        isObject[depth] = object ? 1 : 0;
        // The objects that fold are the outer ones (levels 1 and 2) and, with 'params', all below
        // them inside params: each one's ancestors fold too, so while it is open `lowers` is as
        // long as `names` (names of objects that do not fold are truncated away when they
        // close), and one start serves both pools.
        if (object) {
          starts[depth] = names.length;
          folds[depth] = depth <= 2 || (foldParams && inParams) ? 1 : 0;
        }
        expectName = object;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (isObject[depth] === 1) {
          names.length = starts[depth]!;
          if (folds[depth] === 1) lowers.length = starts[depth]!;
          bigNames[depth] = null;
          bigLowers[depth] = null;
        }
        depth--;
        expectName = false;
      } else if (c === COMMA) {
        expectName = isObject[depth] === 1;
      }
    }
    return undefined;
  } finally {
    // What an early return left (names, Sets) must not outlive the call: the next call starts
    // clean, and a refused message's member names are not kept until then.
    names.length = 0;
    lowers.length = 0;
    for (let d = 0; d <= depth; d++) {
      bigNames[d] = null;
      bigLowers[d] = null;
    }
  }
}
