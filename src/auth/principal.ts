// Who made a request (SPEC §9): the verified token's `sub` and claims. Built once per verified
// token and cached with it, so a client reusing its token (every MCP client does) costs no new
// object and no new serialisation per request.

export interface Principal {
  /** The token's `sub`, exactly as it appears: per-user rate-limit keys use it raw (SPEC §4). */
  readonly sub: string;
  readonly iss: string | undefined;
  readonly aud: string | readonly string[] | undefined;
  /** Every verified claim (the JWT payload, or the introspection answer). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** `{"sub","iss","aud","claims"}` as webhooks receive it (SPEC §5), serialised once. */
  readonly json: string;
}

function audience(v: unknown): string | readonly string[] | undefined {
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.every((a) => typeof a === 'string')) return Object.freeze([...v]) as readonly string[];
  return undefined;
}

/** The principal of verified claims; `sub` must be a non-empty string (the caller checked). */
export function principalOf(claims: Record<string, unknown>): Principal {
  const sub = claims.sub as string;
  const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
  const aud = audience(claims.aud);
  const json = JSON.stringify({ sub, iss: iss ?? null, aud: aud ?? null, claims });
  return Object.freeze({ sub, iss, aud, claims: Object.freeze(claims), json });
}
