// The issuer's signing keys (SPEC §9), fetched once at startup and kept: tokens are verified
// against the cached set, with no I/O. The set is fetched again
// - when a token names a key it does not hold (the provider rotated): at most once per 30 s, so
//   a flood of tokens with made-up `kid`s costs the provider one request per 30 s, not one each;
// - in the background once it is older than 10 min (jose's cacheMaxAge), so removed keys go.
// A failed fetch never drops the keys already held: while the JWKS endpoint is down, tokens
// signed with a cached key keep verifying (the outage is logged, once per transition).

import type { Logger } from 'pino';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose';
import type { IdpClient } from './idpClient.js';

type KeyLike = Awaited<ReturnType<ReturnType<typeof createLocalJWKSet>>>;

export interface JwksCacheOptions {
  /** Shortest time between two fetches caused by unknown keys (default 30 s). */
  readonly cooldownMs?: number;
  /** Age after which the set is refreshed in the background (default 10 min). */
  readonly maxAgeMs?: number;
  /** Milliseconds since the epoch; tests inject a clock. */
  readonly now?: () => number;
}

/** Keys that can never verify an access token here: symmetric ones (HMAC) are dropped. */
function usableKeys(body: unknown, url: string): JSONWebKeySet {
  const keys = (body as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) throw new Error(`${url} is not a JWKS (no "keys" array)`);
  const asymmetric = keys.filter((k) => typeof k === 'object' && k !== null && (k as { kty?: unknown }).kty !== 'oct');
  return { keys: asymmetric as JSONWebKeySet['keys'] };
}

/**
 * A token whose header names no key (`kid`). ToolHive's validator refuses such tokens ("token
 * header missing kid"), so a replica of either kind gives one token one verdict; and without
 * a kid, which of several published keys signed it cannot be told.
 */
export class MissingKidError extends Error {
  constructor() {
    super('the token header has no "kid"');
  }
}

export class JwksCache {
  readonly #client: IdpClient;
  readonly #logger: Logger;
  readonly #cooldownMs: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  #url: string | undefined;
  #set: ReturnType<typeof createLocalJWKSet> | null = null;
  #kids: readonly string[] = [];
  #fetchedAt = 0;
  #attemptedAt = -Infinity;
  #inflight: Promise<void> | null = null;
  #failing = false;
  /** Fetches made (tests read it: a kid flood must not raise it past one per cool-down). */
  fetches = 0;

  constructor(client: IdpClient, logger: Logger, opts: JwksCacheOptions = {}) {
    this.#client = client;
    this.#logger = logger;
    this.#cooldownMs = opts.cooldownMs ?? 30_000;
    this.#maxAgeMs = opts.maxAgeMs ?? 600_000;
    this.#now = opts.now ?? Date.now;
  }

  get url(): string | undefined {
    return this.#url;
  }

  /** Key ids held now (dry-run and logs). */
  get kids(): readonly string[] {
    return this.#kids;
  }

  /** First fetch, at startup: failing here is the caller's exit 3. */
  async load(url: string): Promise<void> {
    this.#url = url;
    await this.#refresh(true);
  }

  /** One fetch at a time; a failure keeps the keys held and is rethrown only when `strict`. */
  #refresh(strict: boolean): Promise<void> {
    if (this.#inflight === null) {
      this.#attemptedAt = this.#now();
      this.#inflight = this.#fetch().finally(() => {
        this.#inflight = null;
      });
    }
    return strict ? this.#inflight : this.#inflight.catch(() => undefined);
  }

  async #fetch(): Promise<void> {
    const url = this.#url;
    if (url === undefined) throw new Error('JWKS URL not known yet');
    this.fetches++;
    try {
      const set = usableKeys(await this.#client.getJson(url), url);
      this.#set = createLocalJWKSet(set);
      this.#kids = set.keys.map((k) => (typeof k.kid === 'string' ? k.kid : '(no kid)'));
      this.#fetchedAt = this.#now();
      if (this.#failing) this.#logger.info({ jwks: url }, `JWKS at ${url} answers again`);
      this.#failing = false;
    } catch (err) {
      if (!this.#failing && this.#set !== null) {
        this.#logger.warn({ jwks: url, cause: (err as Error).message }, `cannot refresh the JWKS at ${url}; tokens signed with the ${this.#kids.length} cached keys still verify`);
      }
      this.#failing = true;
      throw err;
    }
  }

  /** For jose's jwtVerify: the key a token's header names; refetches on an unknown key (cool-down). */
  readonly getKey = async (header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<KeyLike> => {
    // Before any lookup or refetch: jose has checked the algorithm by now (not `none`, not HMAC).
    if (typeof header.kid !== 'string') throw new MissingKidError();
    if (this.#set === null) {
      // Not loaded at startup (a chain built without start()): load now, within the cool-down.
      if (this.#now() - this.#attemptedAt >= this.#cooldownMs || this.#inflight !== null) await this.#refresh(false);
      if (this.#set === null) throw new errors.JWKSNoMatchingKey('the JWKS could not be fetched');
    }
    if (this.#now() - this.#fetchedAt >= this.#maxAgeMs && this.#now() - this.#attemptedAt >= this.#cooldownMs) {
      void this.#refresh(false); // in the background: this request uses the keys held
    }
    try {
      return await this.#set(header, token);
    } catch (err) {
      if (!(err instanceof errors.JWKSNoMatchingKey)) throw err;
      if (this.#inflight === null && this.#now() - this.#attemptedAt < this.#cooldownMs) throw err;
      await this.#refresh(false);
      return await this.#set(header, token);
    }
  };
}
