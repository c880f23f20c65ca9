// Bearer token -> principal (SPEC §9). A JWT is verified with jose against the issuer's cached
// keys: asymmetric algorithms only (never `none`, never HMAC — an HS256 token "signed" with the
// public key is refused before any key is looked up), `iss` and `aud` when configured, `exp`
// required, `exp`/`nbf` with 60 s of skew. Anything else is an opaque token: introspected when
// introspectionURL is set, refused otherwise.
//
// A verified token is remembered (by its exact text, until its exp and at most 5 min, 10 000
// tokens of at most 8 KiB): MCP clients send the same token on every request, and a signature check costs
// far more than the proxy's whole hot path. Time-bound claims are checked again on every hit.

import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import { BoundedCache } from './boundedCache.js';
import { CLOCK_SKEW_S, claimFailure, type ExpectedClaims } from './claims.js';
import type { Introspector, Verdict } from './introspection.js';
import { MissingKidError, type JwksCache } from './jwks.js';
import { principalOf } from './principal.js';

export type { Verdict } from './introspection.js';

/** Every JWS algorithm with a public key (RFC 7518, RFC 8037, RFC 9864). */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

export const VERIFIED_CACHE_MAX_MS = 5 * 60_000;
export const VERIFIED_CACHE_ENTRIES = 10_000;
/** Longer tokens are verified every time rather than kept: the cache's memory stays bounded. */
export const VERIFIED_CACHE_MAX_TOKEN_BYTES = 8192;

/** Three base64url segments: the shape of a JWS in compact form. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export interface TokenVerifierOptions {
  readonly expected: ExpectedClaims;
  readonly now?: () => number;
}

function failed(reason: string): Verdict {
  return { ok: false, reason };
}

/** Which check a jose error stands for, in words (`payload` is only there once the signature held). */
function joseFailure(err: unknown, token: string, expected: ExpectedClaims, nowS: number): string {
  if (err instanceof errors.JWTExpired || err instanceof errors.JWTClaimValidationFailed) {
    return claimFailure(err.payload as Record<string, unknown>, expected, nowS) ?? `claim "${err.claim}" ${err.reason === 'missing' ? 'is missing' : 'fails its check'}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return `algorithm ${JSON.stringify(decodeProtectedHeader(token).alg)} refused: only asymmetric algorithms are accepted (${ASYMMETRIC_ALGORITHMS.join(', ')})`;
  }
  if (err instanceof errors.JWKSNoMatchingKey) return `no key of the issuer's JWKS matches the token's kid/alg (${err.message})`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'signature does not verify';
  if (err instanceof errors.JOSEError) return `malformed token: ${err.message}`;
  return `cannot verify: ${(err as Error).message}`;
}

/**
 * Several published keys fit the token's header and jose will not guess which one signed it; nor
 * does the proxy (trying each would multiply what a bad token costs). Said plainly: jose's own
 * words ("multiple matching keys") send an operator looking at the token's shape.
 */
async function ambiguousKey(err: errors.JWKSMultipleMatchingKeys, token: string): Promise<string> {
  let keys = 0;
  for await (const _key of err) keys++;
  const { alg, kid } = decodeProtectedHeader(token);
  const published = `${keys > 1 ? keys : 'several'} ${String(alg)} keys`;
  return `the issuer publishes ${published} with kid ${JSON.stringify(kid)}: which one signed the token cannot be told`;
}

const NO_KID =
  'the token has no "kid" in its header: which of the issuer\'s keys signed it is not said (ToolHive refuses such tokens too; every replica of a mixed fleet gives the same verdict)';

export class TokenVerifier {
  readonly #jwks: JwksCache | null;
  readonly #introspector: Introspector | null;
  readonly #expected: ExpectedClaims;
  readonly #now: () => number;
  readonly #verified = new BoundedCache<Verdict & { ok: true }>(VERIFIED_CACHE_ENTRIES);
  readonly #options: Parameters<typeof jwtVerify>[2];

  constructor(jwks: JwksCache | null, introspector: Introspector | null, opts: TokenVerifierOptions) {
    this.#jwks = jwks;
    this.#introspector = introspector;
    this.#expected = opts.expected;
    this.#now = opts.now ?? Date.now;
    this.#options = {
      algorithms: ASYMMETRIC_ALGORITHMS,
      clockTolerance: CLOCK_SKEW_S,
      requiredClaims: ['exp', 'sub'],
      ...(opts.expected.issuer !== undefined ? { issuer: opts.expected.issuer } : {}),
      ...(opts.expected.audience !== undefined ? { audience: opts.expected.audience } : {}),
    };
  }

  /** The verdict on one bearer token; synchronous for a token verified before. */
  verify(token: string): Verdict | Promise<Verdict> {
    const now = this.#now();
    const known = this.#verified.get(token, now);
    if (known !== undefined) {
      const exp = known.principal.claims.exp as number;
      return exp + CLOCK_SKEW_S > now / 1000 ? known : failed(claimFailure(known.principal.claims as Record<string, unknown>, this.#expected, now / 1000) ?? 'expired');
    }
    if (COMPACT_JWS.test(token)) return this.#verifyJwt(token);
    if (this.#introspector !== null) return this.#introspector.introspect(token);
    return failed('not a JWT, and no introspectionURL is configured for opaque tokens');
  }

  async #verifyJwt(token: string): Promise<Verdict> {
    if (this.#jwks === null) return failed('no JWKS configured for JWTs');
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#jwks.getKey, { ...this.#options, currentDate: new Date(this.#now()) }));
    } catch (err) {
      if (err instanceof MissingKidError) return failed(NO_KID);
      if (err instanceof errors.JWKSMultipleMatchingKeys) return failed(await ambiguousKey(err, token));
      return failed(joseFailure(err, token, this.#expected, this.#now() / 1000));
    }
    const claims = payload as Record<string, unknown>;
    const nowMs = this.#now();
    const why = claimFailure(claims, this.#expected, nowMs / 1000);
    if (why !== undefined) return failed(why);
    if (token.length > VERIFIED_CACHE_MAX_TOKEN_BYTES) return { ok: true, principal: principalOf(claims) };
    // Within this deadline the cache answers; past it `exp` (with skew) has run out, or the token
    // is verified again against the keys the issuer publishes then.
    const untilMs = Math.min(nowMs + VERIFIED_CACHE_MAX_MS, (claims.exp as number) * 1000 + CLOCK_SKEW_S * 1000);
    const verdict = { ok: true as const, principal: principalOf(claims), untilMs };
    this.#verified.set(token, verdict, untilMs);
    return verdict;
  }
}
