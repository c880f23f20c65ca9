// Re-serialising a patched request goes through JavaScript numbers (IEEE doubles). Most number
// texts survive that with their value intact (`1.0` becomes `1`, `1e2` becomes `100`: the same
// number), but some do not: integers beyond 2^53 (`9007199254740993` would be forwarded as
// `9007199254740992`) or from 1e21 up (written as `1e+21`), decimals with more than 15
// significant digits, and values that overflow to Infinity or underflow to 0. A patch must never change a value nobody patched, so such a
// request (or such a value in a webhook's patch) is refused instead (SPEC §11: a patch that
// cannot be applied follows the failure policy). Runs only when a patch is about to be applied.

import { stringEnd } from '../mcp/jsonShape.js';

const QUOTE = 34;
const MINUS = 45;
/** A double carries every decimal of up to 15 significant digits exactly (DBL_DIG). */
const EXACT_DIGITS = 15;
const MIN_NORMAL = 2.2250738585072014e-308;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Characters that continue a number token: digits, `.`, `e`, `E`, `+`, `-`. */
function continuesNumber(c: number): boolean {
  return isDigit(c) || c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS;
}

/** True when Number(token) and back gives the same value for every reader of the text. */
export function isExactNumber(token: string): boolean {
  const value = Number(token);
  if (!Number.isFinite(value)) return false;
  const e = token.search(/[eE]/);
  const mantissa = (e === -1 ? token : token.slice(0, e)).replace('-', '');
  const digits = mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  if (digits === '') return true; // zero, however it is written
  if (value === 0) return false; // underflow
  const integer = e === -1 && !mantissa.includes('.');
  // JSON.stringify writes integers from 1e21 up in exponent form: a float to typed readers.
  if (integer) return (digits.length <= EXACT_DIGITS || Number.isSafeInteger(value)) && Math.abs(value) < 1e21;
  return digits.length <= EXACT_DIGITS && Math.abs(value) >= MIN_NORMAL;
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
