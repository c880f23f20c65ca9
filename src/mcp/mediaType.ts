// Header checks that decide whether a POST body may be judged at all (SPEC §3): the proxy only
// judges JSON it can read byte for byte, so anything else is answered 415 rather than forwarded
// unjudged. The proxy forwards a canonical `Content-Type: application/json` (proxy/headers.ts),
// so no parameter the client sent can make the upstream decode the bytes differently.

/**
 * True when the Content-Type's media type is `application/json`, case-insensitive, and its
 * parameters cannot change how the bytes decode: a `charset` parameter, when present, must say
 * UTF-8 (`utf-8` or `utf8`, any case, quoted or not) and appear once. Anything else — `utf-7`,
 * `utf-16`, `latin1`, two charsets — is refused: the parser judges UTF-8, and an upstream that
 * honours the charset (body-parser, the MCP SDK's SSE transport) would execute another message
 * (`{"method":"tools+AC8-call"}` is `tools/call` in UTF-7). Structured-syntax types such as
 * `application/vnd.x+json` are not accepted: MCP clients send plain application/json.
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim();
  if (type.length !== 16 || type.toLowerCase() !== 'application/json') return false;
  return semi === -1 || charsetIsUtf8(contentType.slice(semi + 1));
}

const UTF8_NAMES: ReadonlySet<string> = new Set(['utf-8', 'utf8']);

/** The parameters after the media type: at most one `charset`, and it must name UTF-8. */
function charsetIsUtf8(params: string): boolean {
  let seen = false;
  for (const param of params.split(';')) {
    const eq = param.indexOf('=');
    const name = (eq === -1 ? param : param.slice(0, eq)).trim().toLowerCase();
    if (name !== 'charset') continue;
    if (seen) return false;
    seen = true;
    let value = eq === -1 ? '' : param.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    if (!UTF8_NAMES.has(value.toLowerCase())) return false;
  }
  return true;
}

/**
 * True when the body is sent as is: no Content-Encoding, an empty one, or `identity`
 * (case-insensitive). Any real coding (gzip, br, a list of codings) would mean the bytes we
 * parse are not the bytes we forward, so it is refused.
 */
export function isIdentityEncoding(contentEncoding: string | string[] | undefined): boolean {
  if (contentEncoding === undefined) return true;
  if (Array.isArray(contentEncoding)) return contentEncoding.every(isIdentityEncoding);
  const coding = contentEncoding.trim();
  return coding === '' || coding.toLowerCase() === 'identity';
}

