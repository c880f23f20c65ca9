// Seeded random mutations of a RunConfig (the fuzz test and the compile property test share them):
// fields deleted, types changed, junk inserted, text truncated. Seeded, so a failure reproduces.

/** mulberry32: small, seedable, good enough to pick mutations. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const JUNK: Json[] = [null, true, false, 0, -1, 1.5, 1e308, '', ' ', '{}', '0s', '-1m', '1d', 'x'.repeat(300), [], [1, 'a'], {}, { maxTokens: 0 }, { '': 1 }, '\u0000', '🙂', 'https://app.example.com', 'host:port', '[::1', ['https://app.example.com'], [' '], ['a.example:1'], '/nonexistent/ca.pem'];
const KEYS = ['allowed_hosts', 'allowed_origins', 'ca_bundle_path', 'foo', '__proto__', 'constructor', 'name', 'shared', 'perUser', 'tools', 'image', 'maxTokens', 'refillPeriod', 'address', 'validating_webhooks', 'timeout', 'url', 'hmac_secret_ref', 'tls_config'];

function pick<T>(rnd: () => number, list: readonly T[]): T {
  return list[Math.floor(rnd() * list.length)] as T;
}

/** Every container (object or array) of the document, with its path, for picking a target. */
function containers(v: Json, out: (Json[] | { [k: string]: Json })[] = []): (Json[] | { [k: string]: Json })[] {
  if (v !== null && typeof v === 'object') {
    out.push(v);
    for (const child of Object.values(v)) containers(child, out);
  }
  return out;
}

export function mutateTree(doc: Json, rnd: () => number): void {
  const target = pick(rnd, containers(doc));
  const keys = Object.keys(target);
  const op = Math.floor(rnd() * 4);
  if (Array.isArray(target)) {
    if (op === 0 && target.length > 0) target.splice(Math.floor(rnd() * target.length), 1);
    else if (op === 1) target.push(pick(rnd, JUNK));
    else if (target.length > 0) target[Math.floor(rnd() * target.length)] = pick(rnd, JUNK);
    else target.push(structuredClone(target as Json));
    return;
  }
  if (op === 0 && keys.length > 0) delete target[pick(rnd, keys)];
  else if (op === 1) target[pick(rnd, KEYS)] = structuredClone(pick(rnd, JUNK));
  else if (op === 2 && keys.length > 0) target[pick(rnd, keys)] = structuredClone(pick(rnd, JUNK));
  else if (keys.length > 0) {
    // duplicate an entry under another name, so rules meet plausible-but-wrong shapes
    target[pick(rnd, KEYS)] = structuredClone(target[pick(rnd, keys)] as Json);
  }
}

export function mutateText(text: string, rnd: () => number): string {
  const at = Math.floor(rnd() * text.length);
  switch (Math.floor(rnd() * 4)) {
    case 0:
      return text.slice(0, at); // truncated file
    case 1:
      return text.slice(0, at) + pick(rnd, ['{', '}', ',', '"', ':', '[', '\\', 'null', '\n', '\u0000']) + text.slice(at);
    case 2:
      return text.slice(0, at) + text.slice(at + 1 + Math.floor(rnd() * 5));
    default:
      return text.replace(/"/g, rnd() < 0.5 ? "'" : '"');
  }
}

