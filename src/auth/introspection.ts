// RFC 7662 introspection of opaque tokens (SPEC §9), when introspectionURL is set: one POST with
// the proxy's client credentials; `active: false` is a 401. Answers are cached by token until
// its `exp`, at most 5 min (an inactive answer 30 s, so a client retrying a revoked token does
// not cost a call each time), in a cache of bounded size. Concurrent requests with the same token
// share one call, and calls in flight are capped.

import type { Logger } from 'pino';
import { BoundedCache } from './boundedCache.js';
import { claimFailure, type ExpectedClaims } from './claims.js';
import type { IdpClient } from './idpClient.js';
import { principalOf, type Principal } from './principal.js';

export const INTROSPECTION_CACHE_MAX_MS = 5 * 60_000;
const INACTIVE_CACHE_MS = 30_000;
export const INTROSPECTION_CACHE_ENTRIES = 10_000;
/** Longer tokens are introspected every time rather than kept: the cache's memory stays bounded. */
const MAX_CACHED_TOKEN_BYTES = 8192;
/**
 * Introspection calls in flight at most. A flood of made-up opaque tokens (each one new, so
 * never cached) must not become as many calls to the provider: past the cap a new token is
 * refused (401, fail closed) until calls return.
 */
export const INTROSPECTIONS_IN_FLIGHT = 64;

export type Verdict =
  | {
      readonly ok: true;
      readonly principal: Principal;
      /**
       * A verified JWT's: until when (ms) the verifier's cache answers for it without checking
       * again. A caller may hold the verdict that long (the stage does, per connection).
       */
      readonly untilMs?: number;
    }
  | { readonly ok: false; readonly reason: string };

export interface IntrospectorOptions {
  readonly url: string;
  readonly clientId: string | undefined;
  readonly clientSecret: string | undefined;
  readonly expected: ExpectedClaims;
  readonly now?: () => number;
}

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
function basic(id: string, secret: string): string {
  const enc = (s: string): string => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(id)}:${enc(secret)}`).toString('base64')}`;
}

/**
 * RFC 7662 makes `sub` optional, and providers leave it out of a client-credentials token's
 * answer; RFC 9068 §2.2 says such a token's subject is its client_id, which is what a JWT of
 * the same grant carries as `sub`. Neither: no subject (refused).
 */
function withSubject(claims: Record<string, unknown>): Record<string, unknown> {
  if (typeof claims.sub === 'string' && claims.sub !== '') return claims;
  return typeof claims.client_id === 'string' && claims.client_id !== '' ? { ...claims, sub: claims.client_id } : claims;
}

export class Introspector {
  readonly #client: IdpClient;
  readonly #logger: Logger;
  readonly #url: string;
  readonly #authorization: string | undefined;
  readonly #expected: ExpectedClaims;
  readonly #now: () => number;
  readonly #cache = new BoundedCache<Verdict>(INTROSPECTION_CACHE_ENTRIES);
  readonly #pending = new Map<string, Promise<Verdict>>();
  /** Calls made to the endpoint (tests). */
  calls = 0;

  constructor(client: IdpClient, logger: Logger, opts: IntrospectorOptions) {
    this.#client = client;
    this.#logger = logger;
    this.#url = opts.url;
    this.#authorization = opts.clientId !== undefined && opts.clientSecret !== undefined ? basic(opts.clientId, opts.clientSecret) : undefined;
    this.#expected = opts.expected;
    this.#now = opts.now ?? Date.now;
  }

  introspect(token: string): Verdict | Promise<Verdict> {
    const cached = this.#cache.get(token, this.#now());
    if (cached !== undefined) return cached.ok ? this.#stillValid(cached) : cached;
    let pending = this.#pending.get(token);
    if (pending === undefined) {
      if (this.#pending.size >= INTROSPECTIONS_IN_FLIGHT) {
        return { ok: false, reason: `introspection refused: ${INTROSPECTIONS_IN_FLIGHT} calls to the provider already in flight` };
      }
      pending = this.#call(token).finally(() => this.#pending.delete(token));
      this.#pending.set(token, pending);
    }
    return pending;
  }

  /** A cached principal whose token expired meanwhile (within the cache time) is refused. */
  #stillValid(v: Verdict & { ok: true }): Verdict {
    const why = claimFailure(v.principal.claims as Record<string, unknown>, this.#expected, this.#now() / 1000);
    return why === undefined ? v : { ok: false, reason: why };
  }

  async #call(token: string): Promise<Verdict> {
    this.calls++;
    const form = `token=${encodeURIComponent(token)}&token_type_hint=access_token`;
    let status: number;
    let body: unknown;
    try {
      ({ status, body } = await this.#client.postForm(this.#url, form, this.#authorization));
    } catch (err) {
      // Fail closed: an unjudged token is not let through. Not cached: the next request retries.
      this.#logger.warn({ introspection: this.#url, cause: (err as Error).message }, 'token introspection failed');
      return { ok: false, reason: `introspection failed: ${(err as Error).message}` };
    }
    if (status !== 200 || typeof body !== 'object' || body === null || Array.isArray(body)) {
      this.#logger.warn({ introspection: this.#url, status }, 'token introspection answered without a JSON object');
      return { ok: false, reason: `introspection answered HTTP ${status}${status === 401 ? ' (are clientID and clientSecret right?)' : ''}` };
    }
    const claims = withSubject(body as Record<string, unknown>);
    const now = this.#now();
    if (claims.active !== true) {
      const verdict: Verdict = { ok: false, reason: 'introspection says the token is not active' };
      if (token.length <= MAX_CACHED_TOKEN_BYTES) this.#cache.set(token, verdict, now + INACTIVE_CACHE_MS);
      return verdict;
    }
    const why = claimFailure(claims, this.#expected, now / 1000);
    if (why !== undefined) return { ok: false, reason: why };
    const verdict: Verdict = { ok: true, principal: principalOf(claims) };
    if (token.length <= MAX_CACHED_TOKEN_BYTES) this.#cache.set(token, verdict, Math.min(now + INTROSPECTION_CACHE_MAX_MS, (claims.exp as number) * 1000));
    return verdict;
  }
}
