// The authentication stage (SPEC §9): every request needs `Authorization: Bearer <token>` with a
// token the issuer signed (or that its introspection endpoint calls active). The verified
// identity becomes `ctx.principal`, which the rate limiter (per-user buckets), webhooks and the
// request log read. Anything else is a 401 whose WWW-Authenticate names the protected-resource
// metadata, so an MCP client can find where to get a token from the 401 alone; the reason (which
// claim failed, when) goes to the request log and dry-run, never to the client.
//
// A token seen before is judged synchronously from the verifier's cache, no promise. A client
// sends the same Authorization header on every request of a connection, so each connection
// remembers its last verified one: the hot path compares the header with it, where the cache
// would hash the whole token (1 µs per request in a profile) to find the same verdict.

import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { Rejection, ThvError } from '../errors.js';
import type { Middleware, RequestContext, StageEndpoint, StageResult } from '../chain/types.js';
import { isoTime } from './claims.js';
import { discoverJwksUri } from './discovery.js';
import { IdpClient } from './idpClient.js';
import { Introspector } from './introspection.js';
import { JwksCache, type JwksCacheOptions } from './jwks.js';
import type { OidcSettings } from './oidcConfig.js';
import { ProtectedResource, type ProtectedResourceOptions } from './protectedResource.js';
import { TokenVerifier, type Verdict } from './tokenVerifier.js';

export interface AuthenticationParams {
  readonly settings: OidcSettings;
  readonly resource: Omit<ProtectedResourceOptions, 'issuer' | 'resourceUrl' | 'scopes'>;
}

export interface AuthenticationDeps {
  readonly logger: Logger;
  /** Tests shorten the JWKS cool-down or move the clock. */
  readonly jwks?: JwksCacheOptions;
  readonly now?: () => number;
}

/** `Bearer <token>` (scheme case-insensitive, RFC 7235): the token, "" for a bare "Bearer", null for none. */
export function bearerToken(header: string | undefined): string | null {
  if (header === undefined) return null;
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  // Another scheme (Basic, ...) is "no bearer token": RFC 6750 §3.1 asks for no error code then.
  if (scheme.length !== 6 || scheme.toLowerCase() !== 'bearer') return null;
  return space === -1 ? '' : header.slice(space + 1).trim();
}

export class AuthenticationStage implements Middleware {
  readonly name = 'authentication';
  readonly endpoints: readonly StageEndpoint[];
  readonly #settings: OidcSettings;
  readonly #client: IdpClient;
  readonly #jwks: JwksCache | null;
  readonly #introspector: Introspector | null;
  readonly #verifier: TokenVerifier;
  readonly #resource: ProtectedResource;
  readonly #logger: Logger;
  readonly #now: () => number;
  /** The last header verified on each connection, with the verdict: see the top of the file. */
  readonly #lastOnConnection = new WeakMap<Socket, { readonly header: string; readonly verdict: Verdict & { ok: true; untilMs: number } }>();
  #started: Promise<void> | null = null;

  constructor(params: AuthenticationParams, deps: AuthenticationDeps) {
    const s = params.settings;
    this.#settings = s;
    this.#logger = deps.logger;
    this.#now = deps.now ?? Date.now;
    this.#client = new IdpClient({ ca: s.ca, allowPrivateIp: s.allowPrivateIp, insecureAllowHttp: s.insecureAllowHttp, authTokenFile: s.authTokenFile });
    const expected = { issuer: s.issuer, audience: s.audience };
    const clock = deps.now === undefined ? {} : { now: deps.now };
    this.#jwks = s.issuer !== undefined || s.jwksUrl !== undefined ? new JwksCache(this.#client, deps.logger, { ...clock, ...deps.jwks }) : null;
    this.#introspector =
      s.introspectionUrl === undefined
        ? null
        : new Introspector(this.#client, deps.logger, { url: s.introspectionUrl, clientId: s.clientId, clientSecret: s.clientSecret, expected, ...clock });
    this.#verifier = new TokenVerifier(this.#jwks, this.#introspector, { expected, ...clock });
    this.#resource = new ProtectedResource({ ...params.resource, issuer: s.issuer, resourceUrl: s.resourceUrl, scopes: s.scopes });
    this.endpoints = this.#resource.endpoints;
  }

  /** JWKS fetches so far (tests: a kid flood must not multiply them). */
  get jwksFetches(): number {
    return this.#jwks?.fetches ?? 0;
  }

  /** Introspection calls so far (tests: cached answers make none). */
  get introspectionCalls(): number {
    return this.#introspector?.calls ?? 0;
  }

  /** Startup (SPEC §9): the issuer's discovery document and keys must be reachable, else exit 3. */
  start(): Promise<void> {
    this.#started ??= this.#load();
    return this.#started;
  }

  async #load(): Promise<void> {
    if (this.#jwks === null) return;
    const { issuer, jwksUrl } = this.#settings;
    let url = jwksUrl;
    try {
      url ??= await discoverJwksUri(this.#client, issuer!);
      await this.#jwks.load(url);
    } catch (err) {
      const what = jwksUrl === undefined && url === undefined ? `OIDC discovery for issuer ${issuer}` : `the JWKS at ${url}`;
      throw new ThvError('THV_ERR_IDP_UNREACHABLE', `identity provider unreachable: ${what} failed: ${(err as Error).message}`, undefined, { cause: err });
    }
    this.#logger.info({ jwks: url, keys: this.#jwks.kids }, `authentication: ${this.#jwks.kids.length} signing keys loaded from ${url}`);
  }

  handle(ctx: RequestContext): StageResult | Promise<StageResult> {
    const header = ctx.headers.authorization;
    const socket = ctx.req?.socket;
    if (socket !== undefined && header !== undefined) {
      const last = this.#lastOnConnection.get(socket);
      // The verifier's own deadline: past it, the cache would not answer either.
      if (last !== undefined && last.header === header && last.verdict.untilMs > this.#now()) return this.#decided(ctx, last.verdict);
    }
    const token = bearerToken(header);
    if (token === null || token === '') return this.#refuse(ctx, token !== null, token === null ? 'no bearer token' : 'empty bearer token');
    const verdict = this.#verifier.verify(token);
    if (verdict instanceof Promise) return verdict.then((v) => this.#decided(ctx, v, socket, header));
    return this.#decided(ctx, verdict, socket, header);
  }

  #decided(ctx: RequestContext, v: Verdict, socket?: Socket, header?: string): StageResult {
    if (!v.ok) return this.#refuse(ctx, true, v.reason);
    if (socket !== undefined && v.untilMs !== undefined) this.#lastOnConnection.set(socket, { header: header!, verdict: v as Verdict & { ok: true; untilMs: number } });
    const p = v.principal;
    ctx.principal = p;
    if (ctx.trace !== null) {
      const exp = p.claims.exp;
      ctx.note = { summary: `authenticated: sub ${JSON.stringify(p.sub)}${p.iss ? ` (iss ${p.iss})` : ''}, valid until ${isoTime(exp)}`, facts: { sub: p.sub, iss: p.iss, aud: p.aud, exp } };
    }
    return undefined;
  }

  #refuse(ctx: RequestContext, tokenSent: boolean, reason: string): Rejection {
    if (ctx.trace !== null) ctx.note = { summary: `rejected: ${reason}`, facts: { tokenSent, reason } };
    return new Rejection('UNAUTHORIZED', ctx.mcp?.id, {
      headers: { 'www-authenticate': this.#resource.challenge(ctx.headers, tokenSent) },
      reason: `authentication: ${reason}`,
    });
  }

  async close(): Promise<void> {
    await this.#client.close();
  }
}
