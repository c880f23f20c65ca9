// The claim checks of SPEC §9 for what jose does not check itself: introspection answers (RFC
// 7662), and the human sentence for a failure either way — which claim failed and when, for the
// request log and dry-run (never for the client, who gets a bare `invalid_token`).

/** Clock skew allowed on exp and nbf, both ways (SPEC §9). */
export const CLOCK_SKEW_S = 60;

export interface ExpectedClaims {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

export function isoTime(seconds: unknown): string {
  return typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace('.000Z', 'Z') : String(seconds);
}

function audienceList(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
}

/** Why these claims fail the config's expectations at `nowS`, or undefined when they pass. */
export function claimFailure(claims: Record<string, unknown>, expected: ExpectedClaims, nowS: number): string | undefined {
  if (typeof claims.sub !== 'string' || claims.sub === '') return 'no "sub" claim: the principal needs one';
  if (expected.issuer !== undefined && claims.iss !== expected.issuer) {
    return `issuer ${JSON.stringify(claims.iss ?? null)} is not the configured ${JSON.stringify(expected.issuer)}`;
  }
  if (expected.audience !== undefined && !audienceList(claims.aud).includes(expected.audience)) {
    return `audience ${JSON.stringify(claims.aud ?? null)} does not include ${JSON.stringify(expected.audience)}`;
  }
  // exp is required, as ToolHive requires it: a token that never expires is not accepted.
  if (typeof claims.exp !== 'number') return 'no "exp" claim';
  if (claims.exp + CLOCK_SKEW_S <= nowS) return `expired at ${isoTime(claims.exp)} (${CLOCK_SKEW_S} s of skew allowed)`;
  if (typeof claims.nbf === 'number' && claims.nbf - CLOCK_SKEW_S > nowS) return `not valid before ${isoTime(claims.nbf)} (${CLOCK_SKEW_S} s of skew allowed)`;
  return undefined;
}
