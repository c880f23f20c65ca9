// Characters of JSON text and its strings, for the scans that read JSON text without parsing it
// (jsonShape.ts, jsonSpans.ts): they run on text JSON.parse accepted.

export const QUOTE = 34;
export const BACKSLASH = 92;
export const OPEN_OBJECT = 123;
export const CLOSE_OBJECT = 125;
export const OPEN_ARRAY = 91;
export const CLOSE_ARRAY = 93;
export const COMMA = 44;

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

/** The member name whose quotes are at `start` and `end`, unescaped. */
export function memberName(text: string, start: number, end: number): string {
  const raw = text.slice(start + 1, end);
  return raw.includes('\\') ? (JSON.parse(text.slice(start, end + 1)) as string) : raw;
}
