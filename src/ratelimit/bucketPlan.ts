// Which buckets a `tools/call` must pass (SPEC §4), in ToolHive's order — server shared, tool
// shared, server per-user, tool per-user — as one list for one store call, so the check stays
// all-or-nothing and one Redis round trip. The order decides which scope a rejection names.
//
// Shared lists are built once per tool at startup. Lists with per-user buckets depend on the
// caller (`sub` of the authenticated principal, used raw in the keys, as ToolHive does): they are
// built on a caller's first call and kept, frozen, in a cache of bounded size, so a client's
// later calls reuse the same list (and the Redis store its prepared arguments) and a flood of
// distinct users cannot grow memory without bound.

import type { Bucket } from '../config/types.js';
import type { RateLimitParams } from './middleware.js';
import type { BucketRef } from './store.js';
import { bucketRef, sharedKey, toolKey, userKey, userToolKey } from './keys.js';

const NO_BUCKETS: readonly BucketRef[] = Object.freeze([]);
/** Callers whose lists are kept; past it the oldest list is rebuilt when next needed. */
export const USER_LISTS_KEPT = 10_000;

export class BucketPlan {
  readonly #namespace: string;
  readonly #server: string;
  readonly #byTool = new Map<string, readonly BucketRef[]>();
  readonly #others: readonly BucketRef[];
  readonly #serverPerUser: Bucket | null;
  readonly #toolPerUser = new Map<string, Bucket>();
  readonly #userLists = new Map<string, readonly BucketRef[]>();
  /** True when any bucket is per user: every limited call then needs a principal. */
  readonly perUser: boolean;

  constructor(p: RateLimitParams) {
    const { namespace, shared, perUser, tools } = p.rateLimit;
    this.#namespace = namespace;
    this.#server = p.serverName;
    const server = shared ? [bucketRef(sharedKey(namespace, p.serverName), 'shared', shared)] : [];
    this.#others = server.length ? Object.freeze(server) : NO_BUCKETS;
    for (const t of tools.values()) {
      if (t.shared) this.#byTool.set(t.name, Object.freeze([...server, bucketRef(toolKey(namespace, p.serverName, t.name), `tool:${t.name}`, t.shared)]));
      if (t.perUser) this.#toolPerUser.set(t.name, t.perUser);
    }
    this.#serverPerUser = perUser;
    this.perUser = perUser !== null || this.#toolPerUser.size > 0;
  }

  /** The shared buckets of a call to `tool` (server shared, tool shared). */
  shared(tool: string | undefined): readonly BucketRef[] {
    return (tool !== undefined && this.#byTool.get(tool)) || this.#others;
  }

  /**
   * Every bucket a call to `tool` by `sub` must pass. `sub` undefined while per-user buckets
   * apply is a bug (authentication lets no request through without one): it throws.
   */
  for(tool: string | undefined, sub: string | undefined): readonly BucketRef[] {
    const shared = this.shared(tool);
    if (!this.perUser) return shared;
    const toolBucket = tool === undefined ? undefined : this.#toolPerUser.get(tool);
    if (this.#serverPerUser === null && toolBucket === undefined) return shared;
    if (sub === undefined) throw new Error('per-user rate limits reached without an authenticated principal');
    const cacheKey = tool === undefined ? sub : `${tool}\u0000${sub}`;
    let list = this.#userLists.get(cacheKey);
    if (list === undefined) {
      const refs = [...shared];
      if (this.#serverPerUser !== null) refs.push(bucketRef(userKey(this.#namespace, this.#server, sub), 'user', this.#serverPerUser));
      if (toolBucket !== undefined) refs.push(bucketRef(userToolKey(this.#namespace, this.#server, tool!, sub), `user-tool:${tool}`, toolBucket));
      list = Object.freeze(refs);
      if (this.#userLists.size >= USER_LISTS_KEPT) this.#userLists.delete(this.#userLists.keys().next().value!);
      this.#userLists.set(cacheKey, list);
    }
    return list;
  }
}
