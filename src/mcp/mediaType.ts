// Header checks that decide whether a POST body may be judged at all (SPEC §3): the proxy only
// judges JSON it can read byte for byte, so anything else is answered 415 rather than forwarded
// unjudged.

/**
 * True when the Content-Type's media type is `application/json`, case-insensitive, with any
 * parameters (`Application/JSON; charset=utf-8`). Structured-syntax types such as
 * `application/vnd.x+json` are not accepted: MCP clients send plain application/json.
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semi = contentType.indexOf(';');
  const type = (semi === -1 ? contentType : contentType.slice(0, semi)).trim();
  return type.length === 16 && type.toLowerCase() === 'application/json';
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
