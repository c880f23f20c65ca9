// Rewrites `params.name` of a tools/call in the request bytes, leaving every other byte as the
// client sent it (ToolHive re-marshals the whole request; splicing keeps numbers and member
// order exact, so what the later stages judge and the upstream receives differs from what the
// client sent in the tool name only). The body already passed the parser: valid UTF-8 JSON, an
// object, no duplicate members.

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** Index just past the string starting at s[i] === '"'. */
function skipString(s: string, i: number): number {
  for (i++; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) return i + 1;
  }
  throw new Error('unterminated string');
}

/** Index just past the JSON value starting at s[i]. */
function skipValue(s: string, i: number): number {
  const c = s[i];
  if (c === '"') return skipString(s, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (; i < s.length; i++) {
      const d = s[i];
      if (d === '"') i = skipString(s, i) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new Error('unterminated value');
  }
  let j = i;
  while (j < s.length && !',}] \t\r\n'.includes(s[j]!)) j++;
  return j;
}

/** [start, end) of member `key`'s value in the object starting at s[i] === '{', or null. */
function memberRange(s: string, i: number, key: string): [number, number] | null {
  i = skipWs(s, i + 1);
  while (i < s.length && s[i] !== '}') {
    const keyEnd = skipString(s, i);
    const name = JSON.parse(s.slice(i, keyEnd)) as string;
    const start = skipWs(s, skipWs(s, keyEnd) + 1); // past ':'
    const end = skipValue(s, start);
    if (name === key) return [start, end];
    i = skipWs(s, end);
    if (s[i] === ',') i = skipWs(s, i + 1);
  }
  return null;
}

/** The body with params.name set to `name`, or null when it has no string params.name. */
export function renameCalledTool(body: Buffer, name: string): Buffer | null {
  const s = body.toString('utf8');
  const top = skipWs(s, 0);
  if (s[top] !== '{') return null;
  const params = memberRange(s, top, 'params');
  if (params === null || s[params[0]] !== '{') return null;
  const value = memberRange(s, params[0], 'name');
  if (value === null || s[value[0]] !== '"') return null;
  return Buffer.from(s.slice(0, value[0]) + JSON.stringify(name) + s.slice(value[1]), 'utf8');
}
