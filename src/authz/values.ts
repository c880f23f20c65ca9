// JSON values (claims, arguments) as Cedar sees them in ToolHive (pkg/authz/authorizers/cedar:
// convertToCedarValueAtDepth, preprocessArguments). Go decodes every JSON number as float64 and
// ToolHive turns it into a Cedar decimal (value * 10^4 truncated), so `exp` or a numeric argument
// is a decimal, not a Long: `<` on it is a Cedar type error, which denies, in both proxies. A
// bigint is a Go int64 (the local user's iat/exp) and stays a Long. null is dropped; nesting past
// 10 levels is dropped.

const MAX_DEPTH = 10;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;
/** Keys the Cedar JSON format reads as escapes; a claim cannot smuggle an entity or extension value. */
const ESCAPES: ReadonlySet<string> = new Set(['__entity', '__extn', '__expr']);

export type CedarJson = string | boolean | number | CedarJson[] | { [key: string]: CedarJson };

/** A float64 as ToolHive's cedar.NewDecimalFromFloat makes it, or undefined when out of range. */
export function decimalOf(f: number): CedarJson | undefined {
  if (!Number.isFinite(f)) return undefined;
  const scaled = f * 10000;
  if (scaled > 9223372036854775807 || scaled < -9223372036854775808) return undefined;
  let v = BigInt(Math.trunc(scaled));
  if (v > INT64_MAX) v = INT64_MAX;
  if (v < INT64_MIN) v = INT64_MIN;
  const negative = v < 0n;
  const abs = negative ? -v : v;
  const text = `${negative ? '-' : ''}${abs / 10000n}.${String(abs % 10000n).padStart(4, '0')}`;
  return { __extn: { fn: 'decimal', arg: text } };
}

export function cedarValue(v: unknown, depth = 0): CedarJson | undefined {
  if (depth > MAX_DEPTH) return undefined;
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'number':
      return decimalOf(v);
    case 'bigint':
      return v >= INT64_MIN && v <= INT64_MAX ? Number(v) : undefined;
    case 'object': {
      if (v === null) return undefined;
      if (Array.isArray(v)) {
        const out: CedarJson[] = [];
        for (const item of v) {
          const c = cedarValue(item, depth + 1);
          if (c !== undefined) out.push(c);
        }
        return out;
      }
      return cedarRecord(v as Record<string, unknown>, depth + 1);
    }
    default:
      return undefined;
  }
}

export function cedarRecord(data: Record<string, unknown>, depth = 0): { [key: string]: CedarJson } {
  const out: { [key: string]: CedarJson } = {};
  for (const key of Object.keys(data)) {
    if (ESCAPES.has(key)) continue;
    const c = cedarValue(data[key], depth);
    if (c !== undefined) out[key] = c;
  }
  return out;
}

/**
 * `arg_<name>` for each argument (ToolHive's preprocessArguments): strings, booleans and numbers
 * as they are; anything else (objects, arrays, null) only as `arg_<name>_present: true`.
 */
export function argumentAttributes(args: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (args === null || typeof args !== 'object' || Array.isArray(args)) return out;
  for (const [k, v] of Object.entries(args as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') out[`arg_${k}`] = v;
    else out[`arg_${k}_present`] = true;
  }
  return out;
}
