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
//   tools/call params names the tool the proxy saw no name for. Below the second level names
//   are user data (tool arguments) and only exact duplicates are refused.
// - Nesting deeper than MAX_DEPTH: no MCP message needs it, and deep structures are what
//   recursive code downstream (serialisers, policy engines) overflows on.
//
// Runs on text JSON.parse accepted, so it only has to find strings and brackets.

/** Deepest nesting of objects and arrays accepted in a message. */
export const MAX_DEPTH = 128;

/** Members whose names Go would also match in another case, per level (1: envelope, 2: params). */
const ENVELOPE = spellings(['jsonrpc', 'id', 'method', 'params', 'result', 'error']);
const PARAMS = spellings(['name', 'arguments', 'uri', '_meta', 'clientInfo', 'protocolVersion', 'capabilities', 'cursor']);

/** lower-case form -> the one spelling MCP uses. */
function spellings(names: readonly string[]): ReadonlyMap<string, string> {
  return new Map(names.map((n) => [n.toLowerCase(), n]));
}

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;

/** One open object: its member names (and, on levels 1 and 2, their lower-case forms). */
interface Scope {
  readonly names: Set<string> | null;
  readonly folded: Set<string> | null;
  readonly known: ReadonlyMap<string, string> | null;
}

const ARRAY: Scope = { names: null, folded: null, known: null };

/** Index of the quote that ends the string whose opening quote is at `start` (valid JSON text). */
export function stringEnd(text: string, start: number): number {
  let i = text.indexOf('"', start + 1);
  for (;;) {
    let slashes = 0;
    while (text.charCodeAt(i - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return i;
    i = text.indexOf('"', i + 1);
  }
}

function memberName(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end + 1)) as string) : raw;
}

/** Undefined when the text is safe to judge, else why not. `text` must be valid JSON. */
export function shapeProblem(text: string): string | undefined {
  const stack: Scope[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectName) {
        const scope = stack[stack.length - 1]!;
        const name = memberName(text, i, end);
        if (scope.names!.has(name)) return `member ${JSON.stringify(name)} appears twice`;
        scope.names!.add(name);
        if (scope.folded !== null) {
          const lower = name.toLowerCase();
          if (scope.folded.has(lower)) return `members ${JSON.stringify(name)} and another differ only in case`;
          scope.folded.add(lower);
          const spelling = scope.known!.get(lower);
          if (spelling !== undefined && spelling !== name) return `member ${JSON.stringify(name)} is ${JSON.stringify(spelling)} in another case`;
        }
        expectName = false;
      }
      i = end;
    } else if (c === OPEN_OBJECT) {
      if (stack.length === MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
      const level = stack.length + 1;
      const folds = level <= 2;
      stack.push({
        names: new Set(),
        folded: folds ? new Set() : null,
        known: level === 1 ? ENVELOPE : level === 2 ? PARAMS : null,
      });
      expectName = true;
    } else if (c === OPEN_ARRAY) {
      if (stack.length === MAX_DEPTH) return `nested deeper than ${MAX_DEPTH} levels`;
      stack.push(ARRAY);
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      expectName = false;
    } else if (c === COMMA) {
      expectName = stack[stack.length - 1]!.names !== null;
    }
  }
  return undefined;
}
