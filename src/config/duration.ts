// Go durations, exactly as Go's time.ParseDuration reads them and time.Duration.String() writes
// them, so a RunConfig means the same thing to ToolHive and to thv-proxy. Nanoseconds are
// computed in BigInt (Go uses int64; a float64 would lose the last digits of large values), and
// the fraction step deliberately repeats Go's float64 arithmetic so rounding matches too.

const MAX_NS = (1n << 63n) - 1n;
const OVERFLOW = 1n << 63n;

const UNITS: ReadonlyMap<string, bigint> = new Map([
  ['ns', 1n],
  ['us', 1_000n],
  ['µs', 1_000n], // U+00B5 micro sign
  ['μs', 1_000n], // U+03BC Greek mu
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** A duration string Go would reject; the message is Go's own wording. */
export class DurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DurationError';
  }
}

const quote = (s: string): string => JSON.stringify(s);
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** Go's leadingInt: the leading [0-9]*, or null past the int64 range. */
function leadingInt(s: string, from: number): { x: bigint; end: number } | null {
  let x = 0n;
  let i = from;
  for (; isDigit(s[i]); i++) {
    x = x * 10n + BigInt(s.charCodeAt(i) - 48);
    if (x > MAX_NS) return null;
  }
  return { x, end: i };
}

/** Go's leadingFraction: digits after the point; stops gaining precision instead of overflowing. */
function leadingFraction(s: string, from: number): { f: bigint; scale: number; end: number } {
  let f = 0n;
  let scale = 1;
  let overflow = false;
  let i = from;
  for (; isDigit(s[i]); i++) {
    if (overflow) continue;
    const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
    if (y > OVERFLOW) {
      overflow = true;
      continue;
    }
    f = y;
    scale *= 10;
  }
  return { f, scale, end: i };
}

/** Parse a Go duration string to integer nanoseconds. Throws DurationError. */
export function parseDurationNs(orig: string): bigint {
  let s = orig;
  let neg = false;
  if (s[0] === '-' || s[0] === '+') {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw new DurationError(`time: invalid duration ${quote(orig)}`);

  let d = 0n;
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (!(c === '.' || isDigit(c))) throw new DurationError(`time: invalid duration ${quote(orig)}`);

    const int = leadingInt(s, i);
    if (int === null) throw new DurationError(`time: invalid duration ${quote(orig)}`);
    const pre = int.end !== i;
    i = int.end;

    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[i] === '.') {
      const frac = leadingFraction(s, i + 1);
      post = frac.end !== i + 1;
      ({ f, scale } = frac);
      i = frac.end;
    }
    if (!pre && !post) throw new DurationError(`time: invalid duration ${quote(orig)}`);

    const unitStart = i;
    while (i < s.length && !(s[i] === '.' || isDigit(s[i]))) i++;
    if (i === unitStart) throw new DurationError(`time: missing unit in duration ${quote(orig)}`);
    const u = s.slice(unitStart, i);
    const unit = UNITS.get(u);
    if (unit === undefined) {
      throw new DurationError(`time: unknown unit ${quote(u)} in duration ${quote(orig)} (units: ns, us, µs, ms, s, m, h)`);
    }

    if (int.x > MAX_NS / unit) throw new DurationError(`time: invalid duration ${quote(orig)}`);
    let v = int.x * unit;
    if (f > 0n) {
      // Go: v += uint64(float64(f) * (float64(unit) / scale)) — float64 on purpose, see header.
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > MAX_NS) throw new DurationError(`time: invalid duration ${quote(orig)}`);
    }
    d += v;
    // Both signs stop at 1<<63-1: Go's tests reject "-9223372036854775808ns".
    if (d > MAX_NS) throw new DurationError(`time: invalid duration ${quote(orig)}`);
  }
  return neg ? -d : d;
}

/** Parse a Go duration string to milliseconds (a float: "1.5us" is 0.0015). Throws DurationError. */
export function parseDuration(s: string): number {
  return Number(parseDurationNs(s)) / 1e6;
}

/** Go's fmtFrac: v / 10**prec as ".ddd" without trailing zeros (nothing when the fraction is 0). */
function fmtFrac(v: bigint, prec: number): { frac: string; rest: bigint } {
  let digits = '';
  let print = false;
  for (let i = 0; i < prec; i++) {
    const digit = v % 10n;
    print ||= digit !== 0n;
    if (print) digits = digit.toString() + digits;
    v /= 10n;
  }
  return { frac: print ? `.${digits}` : '', rest: v };
}

/** Go's Duration.String() of integer nanoseconds: "1h30m0s", "500ms", "1.5µs", "0s". */
export function formatDurationNs(ns: bigint): string {
  const neg = ns < 0n;
  let u = neg ? -ns : ns;
  let out: string;
  if (u < 1_000_000_000n) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < 1_000n) [prec, unit] = [0, 'ns'];
    else if (u < 1_000_000n) [prec, unit] = [3, 'µs'];
    else [prec, unit] = [6, 'ms'];
    const { frac, rest } = fmtFrac(u, prec);
    out = `${rest}${frac}${unit}`;
  } else {
    const { frac, rest } = fmtFrac(u, 9);
    u = rest;
    out = `${u % 60n}${frac}s`;
    u /= 60n;
    if (u > 0n) {
      out = `${u % 60n}m${out}`;
      u /= 60n;
      if (u > 0n) out = `${u}h${out}`;
    }
  }
  return neg ? `-${out}` : out;
}

/** Go's Duration.String() of milliseconds (rounded to whole nanoseconds). */
export function formatDuration(ms: number): string {
  return formatDurationNs(BigInt(Math.round(ms * 1e6)));
}
