// What finished work a structure keeps alive through scavenges (the young-generation GC), for the
// regression tests of per-request bookkeeping (a Set or Map with an add and a delete per request
// kept finished requests alive once a major GC had moved it to the old generation).
import v8 from 'node:v8';
import vm from 'node:vm';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;
const heapUsed = (): number => v8.getHeapStatistics().used_heap_size;

/** ~40 KB of young objects: what one request's context, body and reply might reach. */
export function requestSizedPayload(): unknown {
  return Array.from({ length: 1000 }, (_, j) => ({ j }));
}

/**
 * `warm()` runs the bookkeeping empty-handed until it is settled, a major GC moves it to the old
 * generation, `load()` runs it with requestSizedPayload()s and finishes them all; then two
 * scavenges. Returns the megabytes those scavenges left alive that a major GC then frees.
 */
export function megabytesKeptThroughScavenges(warm: () => void, load: () => void): number {
  warm();
  gc();
  load();
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  const afterScavenges = heapUsed();
  gc();
  return (afterScavenges - heapUsed()) / 1e6;
}
