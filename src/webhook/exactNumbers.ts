// Re-serialising a patched request goes through JavaScript numbers (IEEE doubles). Most number
// texts survive that with their value intact (`1.0` becomes `1`, `1e2` becomes `100`, and every
// text a serialiser wrote from a double, `0.14285714285714285`, comes back the same), but some do
// not: integers beyond 2^53 (`9007199254740993` would be forwarded as `9007199254740992`), more
// digits than a double holds (`0.1000000000000000055511`), values that overflow to Infinity or
// underflow to 0, and integers from 1e21 up (written back as `1e+21`: a float to typed readers).
// A patch must never change a value nobody patched, so such a request (or such a value in a
// webhook's patch) is refused instead (SPEC §11: a patch that cannot be applied follows the
// failure policy). Runs only when a patch is about to be applied.

import { stringEnd } from '../mcp/jsonShape.js';

const QUOTE = 34;
const MINUS = 45;
const NUMBER = /^-?(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Characters that continue a number token: digits, `.`, `e`, `E`, `+`, `-`. */
function continuesNumber(c: number): boolean {
  return isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS;
}

/** The decimal value of a JSON number text as significant digits and a power of ten ("" for 0). */
function decimal(text: string): { negative: boolean; digits: string; exponent: number } {
  const m = NUMBER.exec(text)!;
  const frac = m[2] ?? '';
  let digits = `${m[1]}${frac}`.replace(/^0+/, '');
  let exponent = Number(m[3] ?? 0) - frac.length;
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return { negative: text.startsWith('-'), digits, exponent: digits === '' ? 0 : exponent };
}

/** True when Number(token) and back (JSON.stringify) keeps the token's decimal value and type. */
export function isExactNumber(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  const integer = !/[.eE]/.test(token);
  if (integer && Math.abs(value) >= 1e21) return false;
  const want = decimal(token);
  if (want.digits === '') return true; // zero, however it is written
  const got = decimal(JSON.stringify(value).replace('e+', 'e'));
  return got.negative === want.negative && got.digits === want.digits && got.exponent === want.exponent;
}

/** The first number in valid JSON `text` that a double cannot carry exactly, or undefined. */
export function inexactNumber(text: string): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = stringEnd(text, i);
    } else if (c === MINUS || isDigit(c)) {
      // Outside strings, digits only occur in numbers (true, false and null have none).
      let end = i + 1;
      while (end < text.length && continuesNumber(text.charCodeAt(end))) end++;
      const token = text.slice(i, end);
      if (!isExactNumber(token)) return token;
      i = end - 1;
    }
  }
  return undefined;
}
