// The principal as ToolHive's Cedar authorizer builds it (pkg/authz/authorizers/cedar/core.go,
// AuthorizeWithJWTClaims): `Client::"<sub>"`, every claim as a `claim_<name>` attribute (and in
// the context), multi-valued claims also as `claimset_<name>` sets, and the groups of the group
// claim (or the first of `groups`, `roles`, `cognito:groups`) plus the role claim as parents
// `THVGroup::"<group>"` so `principal in THVGroup::"eng"` works. Built once per principal object:
// the authentication stage caches one Principal per verified token, so a client's repeated
// requests reuse it.

import os from 'node:os';
import type { Principal } from '../auth/principal.js';
import { cedarRecord, type CedarJson } from './values.js';
import type { CedarEntity, EntityUid } from './engine.js';

export interface ClaimSettings {
  /** Claim holding the groups (may be a dot path, as Keycloak's realm_access.roles). */
  readonly groupClaimName: string;
  readonly roleClaimName: string;
  /** Entity type of the group parents (default THVGroup). */
  readonly groupEntityType: string;
  readonly multiValuedClaims: readonly string[];
}

export interface CedarPrincipal {
  readonly uid: EntityUid;
  readonly entity: CedarEntity;
  /** claim_* and claimset_* values: the principal's attributes and the first part of every context. */
  readonly claims: { readonly [key: string]: CedarJson };
  readonly groups: readonly string[];
}

const DEFAULT_GROUP_CLAIMS = ['groups', 'roles', 'cognito:groups'];

function nestedClaim(claims: Readonly<Record<string, unknown>>, path: string): unknown {
  if (path === '') return undefined;
  if (Object.hasOwn(claims, path)) return claims[path];
  const parts = path.split('.');
  if (parts.length < 2) return undefined;
  let current: unknown = claims;
  for (const part of parts) {
    if (current === null || typeof current !== 'object' || Array.isArray(current) || !Object.hasOwn(current, part)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** An array claim's strings; undefined when the claim is absent or not an array (ToolHive's extractGroups). */
function groupsOf(claims: Readonly<Record<string, unknown>>, name: string): string[] | undefined {
  const v = nestedClaim(claims, name);
  if (v === undefined || v === null || !Array.isArray(v)) return undefined;
  return v.filter((g): g is string => typeof g === 'string');
}

function groupList(claims: Readonly<Record<string, unknown>>, s: ClaimSettings): string[] {
  let groups = groupsOf(claims, s.groupClaimName);
  for (const name of DEFAULT_GROUP_CLAIMS) {
    if (groups !== undefined) break;
    groups = groupsOf(claims, name);
  }
  return [...new Set([...(groups ?? []), ...(groupsOf(claims, s.roleClaimName) ?? [])])];
}

/** Go's unicode.IsSpace, for strings.Fields. */
const FIELDS = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/;

function tokens(v: unknown): string[] | undefined {
  if (typeof v === 'string') return v.split(FIELDS).filter((t) => t !== '');
  if (Array.isArray(v)) return v.filter((t): t is string => typeof t === 'string');
  return undefined;
}

function claimAttributes(claims: Readonly<Record<string, unknown>>, s: ClaimSettings): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(claims)) out[`claim_${k}`] = v;
  for (const name of s.multiValuedClaims) {
    if (!Object.hasOwn(claims, name)) continue;
    const v = claims[name];
    // claim_<name>: an array joined with spaces, a string verbatim; claimset_<name>: the elements.
    if (Array.isArray(v)) out[`claim_${name}`] = tokens(v)!.join(' ');
    const set = tokens(v);
    if (set !== undefined) out[`claimset_${name}`] = set;
  }
  return out;
}

export function cedarPrincipal(sub: string, claims: Readonly<Record<string, unknown>>, s: ClaimSettings): CedarPrincipal {
  const uid = { type: 'Client', id: sub };
  const groups = groupList(claims, s);
  const attrs = cedarRecord(claimAttributes(claims, s));
  const entity: CedarEntity = { uid, attrs, parents: groups.map((g) => ({ type: s.groupEntityType, id: g })) };
  return { uid, entity, claims: attrs, groups };
}

const cache = new WeakMap<Principal, CedarPrincipal>();

/** The Cedar principal of an authenticated request, built once per Principal object. */
export function principalFor(p: Principal, s: ClaimSettings): CedarPrincipal {
  let c = cache.get(p);
  if (c === undefined) {
    c = cedarPrincipal(p.sub, p.claims, s);
    cache.set(p, c);
  }
  return c;
}

/**
 * Without oidc_config ToolHive authenticates nobody but gives every request the identity of the
 * local OS user (pkg/auth/local.go, LocalUserMiddleware; "local" when the user cannot be read):
 * sub = the user name, iss "toolhive-local", aud "toolhive", email "<user>@localhost", name
 * "Local User: <user>", iat/nbf now and exp in 24 h (Go int64: Cedar Longs). thv-proxy evaluates
 * the same principal, rebuilt every minute so its times stay current. Webhooks still get
 * `principal: null` (SPEC §9): this identity exists only for Cedar, as in ToolHive.
 */
export class LocalUser {
  readonly #settings: ClaimSettings;
  readonly #name: string;
  #built = 0;
  #principal: CedarPrincipal | null = null;

  constructor(settings: ClaimSettings, name = localUserName()) {
    this.#settings = settings;
    this.#name = name;
  }

  get name(): string {
    return this.#name;
  }

  principal(nowMs = Date.now()): CedarPrincipal {
    if (this.#principal === null || nowMs - this.#built >= 60_000) {
      const now = BigInt(Math.floor(nowMs / 1000));
      const u = this.#name;
      const claims = { sub: u, iss: 'toolhive-local', aud: 'toolhive', exp: now + 86_400n, iat: now, nbf: now, email: `${u}@localhost`, name: `Local User: ${u}` };
      this.#principal = cedarPrincipal(u, claims, this.#settings);
      this.#built = nowMs;
    }
    return this.#principal;
  }
}

function localUserName(): string {
  try {
    const name = os.userInfo().username;
    return name === '' ? 'local' : name;
  } catch {
    return 'local';
  }
}
