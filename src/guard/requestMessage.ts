// Checks on the HTTP message itself, before anything else is spent on it: what the chain judges
// and what the upstream receives must be the same request. The client's path goes upstream as it
// is (unless remote_url's path replaces it), so it must mean one path to every server:
// `/mcp/../admin`, `/%2e%2e/admin` and `/..%2fadmin` are another on servers that normalise
// paths, and an absolute-form target
// (`POST http://evil/mcp`) or `*` names something else than the path we judged. Two Host headers
// and a transfer coding other than plain `chunked` are ambiguous to intermediaries and servers
// alike (request smuggling's raw material). Everything here is refused rather than repaired:
// no MCP client sends any of it.

import type { IncomingHttpHeaders } from 'node:http';

const SLASH = 47;
const PERCENT = 37;
const BACKSLASH = 92;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** A segment that a server normalising dot segments would treat as `.` or `..`. */
function isDotSegment(segment: string): boolean {
  if (segment.length === 0 || segment.length > 6) return false;
  const plain = segment.replace(/%2e/gi, '.');
  return plain === '.' || plain === '..';
}

/** Why the request target may not be forwarded, or undefined when it is a plain origin-form path. */
export function targetProblem(url: string): string | undefined {
  if (url.charCodeAt(0) !== SLASH) {
    return url === '*' ? 'asterisk-form request target' : 'request target is not a path (absolute-form or malformed)';
  }
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  let segmentStart = 1;
  for (let i = 1; i <= path.length; i++) {
    const c = i === path.length ? SLASH : path.charCodeAt(i);
    if (c === SLASH) {
      if (isDotSegment(path.slice(segmentStart, i))) return 'dot segment in the request path';
      segmentStart = i + 1;
    } else if (c === BACKSLASH) {
      return 'backslash in the request path';
    } else if (c === PERCENT) {
      const a = path.charCodeAt(i + 1);
      const b = path.charCodeAt(i + 2);
      if (!isHex(a) || !isHex(b)) return 'malformed percent-encoding in the request path';
      // An encoded slash, backslash or NUL means something else to each server that decodes it.
      if ((a === 50 && (b === 70 || b === 102)) || (a === 53 && (b === 67 || b === 99)) || (a === 48 && b === 48)) {
        return `encoded ${path.slice(i, i + 3)} in the request path`;
      }
    }
  }
  return undefined;
}

/** How many Host headers the client sent (Node keeps only the first in `headers`). */
export function hostHeaderCount(rawHeaders: readonly string[]): number {
  let n = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') n++;
  }
  return n;
}

/** True when Transfer-Encoding is absent or exactly `chunked` (any other coding changes the bytes). */
export function isPlainTransferEncoding(headers: IncomingHttpHeaders): boolean {
  const te = headers['transfer-encoding'];
  return te === undefined || te.trim().toLowerCase() === 'chunked';
}
