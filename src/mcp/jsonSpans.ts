// Where a member's value lies in JSON text, so that one value can be replaced and every other byte
// kept. Re-serialising a parsed message goes through JavaScript values and changes what doubles
// cannot hold: 9007199254740993 becomes 9007199254740992, 1e400 becomes null, 12345678901234567890
// loses its last digits. A bridge that only has to swap an id (the stdio bridge) splices instead.
//
// Runs on text JSON.parse accepted. Off the path values are skipped with a bracket count, not
// recursion, so a child's deeply nested line cannot overflow the stack; only the path recurses.

import { CLOSE_ARRAY, CLOSE_OBJECT, COMMA, memberName, OPEN_ARRAY, OPEN_OBJECT, QUOTE, stringEnd } from './jsonText.js';

export interface Span {
  /** Index of the value's first character. */
  readonly start: number;
  /** Index after its last character. */
  readonly end: number;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && isSpace(text.charCodeAt(i))) i++;
  return i;
}

/** Index after the value starting at `i`. */
function skipValue(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c === QUOTE) return stringEnd(text, i) + 1;
  if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text.charCodeAt(i);
      if (d === QUOTE) i = stringEnd(text, i);
      else if (d === OPEN_OBJECT || d === OPEN_ARRAY) depth++;
      else if ((d === CLOSE_OBJECT || d === CLOSE_ARRAY) && --depth === 0) return i + 1;
    }
    return text.length;
  }
  while (i < text.length) {
    const d = text.charCodeAt(i);
    if (d === COMMA || d === CLOSE_OBJECT || d === CLOSE_ARRAY || isSpace(d)) break;
    i++;
  }
  return i;
}

/** In the object at `i`: the span at path[level..], undefined when absent, null when a name on the path repeats. */
function findIn(text: string, i: number, path: readonly string[], level: number): Span | undefined | null {
  let found: Span | undefined | null;
  let seen = false;
  i = skipSpace(text, i + 1);
  if (text.charCodeAt(i) === CLOSE_OBJECT) return undefined;
  for (;;) {
    const nameEnd = stringEnd(text, i);
    const name = memberName(text, i, nameEnd);
    const start = skipSpace(text, skipSpace(text, nameEnd + 1) + 1); // past the colon
    const end = skipValue(text, start);
    if (name === path[level]) {
      // JSON.parse keeps the last of two; another parser the first: which one is meant is unknown.
      if (seen) return null;
      seen = true;
      if (level === path.length - 1) found = { start, end };
      else found = text.charCodeAt(start) === OPEN_OBJECT ? findIn(text, start, path, level + 1) : undefined;
    }
    i = skipSpace(text, end);
    if (text.charCodeAt(i) !== COMMA) return found;
    i = skipSpace(text, i + 1);
  }
}

/**
 * The span of the value at `path` (member names from the top-level object) in `text`, valid
 * JSON. undefined when there is none; null when a name on the path appears twice in its object.
 */
export function memberValueSpan(text: string, path: readonly string[]): Span | undefined | null {
  const i = skipSpace(text, 0);
  return text.charCodeAt(i) === OPEN_OBJECT && path.length > 0 ? findIn(text, i, path, 0) : undefined;
}

/**
 * `text` with the values at the given paths replaced by the given JSON texts, every other byte
 * as it was. A path without a value is left alone; undefined when a path is ambiguous (a repeated
 * name): the caller then has to decide from the parsed message.
 */
export function replaceMembers(text: string, replacements: readonly (readonly [path: readonly string[], json: string])[]): string | undefined {
  const spans: { span: Span; json: string }[] = [];
  for (const [path, json] of replacements) {
    const span = memberValueSpan(text, path);
    if (span === null) return undefined;
    if (span !== undefined) spans.push({ span, json });
  }
  spans.sort((a, b) => b.span.start - a.span.start);
  let out = text;
  for (const { span, json } of spans) out = out.slice(0, span.start) + json + out.slice(span.end);
  return out;
}
