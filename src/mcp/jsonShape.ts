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
//   ASCII's (foldKey): "paramſ" is "params" to it. Below the second level names are user data
//   (tool arguments) and only exact duplicates are refused.
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
 * The form under which Go's encoding/json takes two member names for the same field: it folds
 * each rune to the smallest of its Unicode simple-fold orbit (foldRune in Go's fold.go), so
 * U+017F (ſ) is "s" and the Kelvin sign U+212A is "k" (toLowerCase already gives that one). No
 * other non-ASCII letter folds onto ASCII, and MCP's member names are ASCII.
 */
export function foldKey(name: string): string {
  const lower = name.toLowerCase();
  for (let i = 0; i < lower.length; i++) {
    if (lower.charCodeAt(i) > 0x7f) return lower.replace(/\u017f/g, 's');
  }
  return lower;
}

/** lower-case form -> the one spelling MCP uses. */
function spellings(names: readonly string[]): ReadonlyMap<string, string> {
  return new Map(names.map((n) => [n.toLowerCase(), n]));
}


// The scan keeps no object per JSON object: it runs synchronously, so its state lives in arrays
// reused from call to call (a Set per object was ~1.3 KB of garbage per request, docs/performance.md).
// `names` holds the member names of every open object one after another, `lowers` their
// lower-case forms on levels 1 and 2; an object's names start at starts[depth]. An object that
// grows past SMALL members gets Sets, so a hostile object of 100 000 members stays linear.
const SMALL = 16;
const names: string[] = [];
const lowers: string[] = [];
const starts = new Int32Array(MAX_DEPTH + 1);
/** 1: the open container at this depth is an object; 0: an array. */
const isObject = new Uint8Array(MAX_DEPTH + 1);
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
export function shapeProblem(text: string): string | undefined {
  let depth = 0;
  let expectName = false;
  try {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === QUOTE) {
        const end = stringEnd(text, i);
        if (expectName) {
          const name = memberName(text, i, end);
          if (seen(names, bigNames, depth, name)) return `member ${JSON.stringify(name)} appears twice`;
          remember(names, bigNames, depth, name);
          if (depth <= 2) {
            const lower = foldKey(name);
            if (seen(lowers, bigLowers, depth, lower)) return `members ${JSON.stringify(name)} and another differ only in case (as Go reads names)`;
            remember(lowers, bigLowers, depth, lower);
            const spelling = (depth === 1 ? ENVELOPE : PARAMS).get(lower);
            if (spelling !== undefined && spelling !== name) return `member ${JSON.stringify(name)} is ${JSON.stringify(spelling)} in another case (as Go reads names)`;
          }
          expectName = false;
        }
        i = end;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (depth === MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
        depth++;
        const object = c === OPEN_OBJECT;
        isObject[depth] = object ? 1 : 0;
        // On levels 1 and 2 `lowers` is as long as `names` (deeper names are truncated away when
        // their object closes), so one start serves both pools.
        if (object) starts[depth] = names.length;
        expectName = object;
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (isObject[depth] === 1) {
          names.length = starts[depth]!;
          if (depth <= 2) lowers.length = starts[depth]!;
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
