// A Map with an entry cap and a per-entry deadline, for verified tokens and introspection
// answers. Past the cap the oldest entry goes (insertion order; no reordering on a hit, which
// would cost a delete and a set per request): memory stays bounded whatever clients send.

export class BoundedCache<V> {
  readonly #entries = new Map<string, { value: V; untilMs: number }>();
  readonly #max: number;

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The value stored for `key`, unless its deadline passed (then it is dropped). */
  get(key: string, nowMs: number): V | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    if (e.untilMs <= nowMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, untilMs: number): void {
    this.#entries.delete(key);
    if (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
    this.#entries.set(key, { value, untilMs });
  }

  clear(): void {
    this.#entries.clear();
  }
}
