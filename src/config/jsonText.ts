// The "parse JSON" step of the loader. JSON.parse does the work; when it fails, a small scanner
// finds where and why, because V8's messages do not always carry a position ("Unexpected token
// '}', ... is not valid JSON") and an operator needs a line and a column.

import type { ConfigProblem } from './types.js';

export type JsonTextResult = { ok: true; value: unknown } | { ok: false; problem: ConfigProblem };

interface SyntaxFault {
  readonly offset: number;
  readonly what: string;
}

const WS = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const HEX = /^[0-9a-fA-F]{4}$/;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

function describe(c: string | undefined): string {
  if (c === undefined) return 'the end of the file';
  return JSON.stringify(c);
}

/** First syntax fault of `text`, or null when it is valid JSON. Iterative: deep nesting is safe. */
export function findJsonSyntaxFault(text: string): SyntaxFault | null {
  let pos = 0;
  const stack: ('{' | '[')[] = [];
  const fault = (what: string): SyntaxFault => ({ offset: pos, what: `${what}, found ${describe(text[pos])}` });
  const skipWs = (): void => {
    while (pos < text.length && WS.has(text[pos] as string)) pos++;
  };
  const string = (): SyntaxFault | null => {
    pos++; // opening quote
    for (;;) {
      const c = text[pos];
      if (c === undefined) return fault('unterminated string');
      if (c === '"') {
        pos++;
        return null;
      }
      if (c < ' ') return fault('control character in string (escape it)');
      if (c === '\\') {
        const e = text[pos + 1];
        if (e === 'u') {
          if (!HEX.test(text.slice(pos + 2, pos + 6))) return fault('bad \\u escape (expected 4 hex digits)');
          pos += 6;
        } else if (e !== undefined && ESCAPES.has(e)) pos += 2;
        else {
          pos++;
          return fault('bad escape in string');
        }
      } else pos++;
    }
  };
  const key = (): SyntaxFault | null => {
    skipWs();
    if (text[pos] !== '"') return fault('expected a property name in double quotes');
    const f = string();
    if (f) return f;
    skipWs();
    if (text[pos] !== ':') return fault("expected ':' after the property name");
    pos++;
    return null;
  };

  for (;;) {
    // A value is expected here.
    skipWs();
    const c = text[pos];
    let containerOpened = false;
    if (c === '{' || c === '[') {
      pos++;
      skipWs();
      const close = c === '{' ? '}' : ']';
      if (text[pos] === close) pos++;
      else {
        stack.push(c);
        containerOpened = true;
        if (c === '{') {
          const f = key();
          if (f) return f;
        }
      }
    } else if (c === '"') {
      const f = string();
      if (f) return f;
    } else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (!m || m[0] === '-') return fault('bad number');
      pos += m[0].length;
    } else if (text.startsWith('true', pos)) pos += 4;
    else if (text.startsWith('false', pos)) pos += 5;
    else if (text.startsWith('null', pos)) pos += 4;
    else return fault(stack.length === 0 && pos === 0 ? 'expected a JSON object' : 'expected a value');
    if (containerOpened) continue;

    // After a value: close containers, or find the comma before the next value.
    for (;;) {
      skipWs();
      const top = stack[stack.length - 1];
      if (top === undefined) return pos < text.length ? fault('unexpected text after the JSON value') : null;
      const close = top === '{' ? '}' : ']';
      const n = text[pos];
      if (n === close) {
        stack.pop();
        pos++;
        continue;
      }
      if (n !== ',') return fault(`expected ',' or '${close}'`);
      pos++;
      if (top === '{') {
        const f = key();
        if (f) return f;
      }
      break;
    }
  }
}

/** 1-based line and column (in characters) of an offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

export function parseJsonText(raw: string): JsonTextResult {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  if (text.trim() === '') return { ok: false, problem: { path: '', message: 'the file is empty (expected a JSON object)' } };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    const f = findJsonSyntaxFault(text);
    if (f === null) return { ok: false, problem: { path: '', message: `not valid JSON: ${(err as Error).message}` } };
    const { line, column } = lineColumn(text, f.offset);
    return { ok: false, problem: { path: '', message: `not valid JSON at line ${line}, column ${column}: ${f.what}` } };
  }
}
