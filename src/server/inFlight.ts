// The requests in flight (for shutdown: which to tell `Connection: close`, which streams to end,
// when the last one is done), as a doubly linked list threaded through the contexts themselves.
//
// Not a Set, on purpose. A Set with an add and a delete per request is rehashed every few dozen
// requests, and V8 keeps each obsolete hash table, keys included, linked to its successor. Once a
// major GC has moved the table to the old generation, every obsolete table is an old object
// pointing at finished requests' contexts, so the scavenger kept them — and everything a context
// reaches: request, response, body, parsed message — alive and promoted them. Measured under load:
// 1.2 MB survived each scavenge instead of 0.2 MB, and the copying showed as the largest
// difference between thv-proxy and the bare proxy in the CPU profile (docs/performance.md).
// Here a removed context drops both of its links at once, so nothing finished is reachable.

/** What the list threads through: two links on the element itself (no node object per request). */
export interface InFlightLinks<T> {
  inFlightPrev: T | null;
  inFlightNext: T | null;
}

export class InFlightList<T extends InFlightLinks<T>> {
  #head: T | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(item: T): void {
    if (this.#has(item)) return;
    item.inFlightPrev = null;
    item.inFlightNext = this.#head;
    if (this.#head !== null) this.#head.inFlightPrev = item;
    this.#head = item;
    this.#size++;
  }

  /** Removes `item` if it is in the list (a second call is a no-op). */
  delete(item: T): void {
    if (!this.#has(item)) return;
    const prev = item.inFlightPrev;
    const next = item.inFlightNext;
    if (prev === null) this.#head = next;
    else prev.inFlightNext = next;
    if (next !== null) next.inFlightPrev = prev;
    item.inFlightPrev = null;
    item.inFlightNext = null;
    this.#size--;
  }

  /** The members now, as an array: the caller may end requests (and so delete them) while it walks. */
  snapshot(): T[] {
    const out: T[] = [];
    for (let item = this.#head; item !== null; item = item.inFlightNext) out.push(item);
    return out;
  }

  #has(item: T): boolean {
    // The head has no predecessor; every other member has one.
    return item.inFlightPrev !== null || this.#head === item;
  }
}
