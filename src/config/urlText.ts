// A config URL as the proxy may print it (validate's summary, error messages, logs): a
// `user:password@` and query values are credentials often enough (hosted MCP servers take their
// API key as `?api_key=...`) that they are never printed (SPEC §8). Text, not URL parsing: the
// messages that echo a URL are the ones about a URL the parser refuses.

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i;

/** `raw` with userinfo shown as `***@` and each query value as `…`; text without a scheme as is. */
export function urlForDisplay(raw: string): string {
  if (!SCHEME.test(raw)) return raw;
  const text = raw.replace(USERINFO, '$1***@');
  const q = text.indexOf('?');
  if (q === -1) return text;
  const hash = text.indexOf('#', q);
  const query = text.slice(q + 1, hash === -1 ? undefined : hash);
  const masked = query === '' ? '' : query.split('&').map(maskParameter).join('&');
  return `${text.slice(0, q + 1)}${masked}${hash === -1 ? '' : text.slice(hash)}`;
}

/** `name=value` -> `name=…`; a bare parameter may be the secret itself -> `…`. */
function maskParameter(part: string): string {
  if (part === '') return part;
  const eq = part.indexOf('=');
  return eq === -1 ? '…' : `${part.slice(0, eq)}=…`;
}

/**
 * `%HH` decoded to bytes, an invalid escape kept as written, as lenient decoders (Go's userinfo
 * unescaping, most servers' query parsers) read it. `text` is URL text: ASCII, or the latin1 of
 * the bytes node read from a request line.
 */
export function percentDecoded(text: string): Buffer {
  if (!text.includes('%')) return Buffer.from(text, 'latin1');
  return Buffer.from(text.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
}
