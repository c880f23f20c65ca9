// How ToolHive (Go's encoding/json) matches an object key to a field name: an exact match, else a
// case-insensitive one. Wherever the loader looks up a ToolHive field inside an object it does
// not validate key by key (header_forward, middleware_configs parameters, oidc_config), it must
// find what Go would find, or a key spelled "Add_Plaintext_Headers" is acted on by a ToolHive
// replica and silently skipped here.

/**
 * A fold at least as wide as Go's. Go (encoding/json's foldName) folds ASCII letters to upper case
 * and every other rune to the smallest of its Unicode simple-fold orbit, so "ſ" (U+017F) matches
 * "s" and the Kelvin sign (U+212A) "k". This maps non-ASCII runes through the simple
 * unicode.ToUpper(unicode.ToLower(r)), which finds those two and also matches "ı" (U+0131) and
 * "İ" (U+0130) with "i", which Go does not: a key Go would ignore is then judged as the field —
 * refused or enforced here, never skipped. Where JavaScript's full mapping gives several letters
 * ("ß" -> "SS") the rune is kept, as Go's simple mappings do.
 */
export function goFoldKey(key: string): string {
  let out = '';
  for (const ch of key) {
    if (ch.charCodeAt(0) < 0x80) {
      out += ch.toUpperCase();
      continue;
    }
    const lower = [...ch.toLowerCase()];
    const l = lower.length === 1 ? (lower[0] as string) : ch === '\u0130' ? (lower[0] as string) : ch;
    const upper = [...l.toUpperCase()];
    out += upper.length === 1 ? (upper[0] as string) : l;
  }
  return out;
}

/** The value Go would decode into field `name`: the last key that matches (Go decodes in order). */
export function goField(obj: Readonly<Record<string, unknown>>, name: string): unknown {
  const folded = goFoldKey(name);
  let value: unknown;
  for (const [key, v] of Object.entries(obj)) if (key === name || goFoldKey(key) === folded) value = v;
  return value;
}
