// Issue 16 (CPU per request): the server kept the requests in flight in a Set, one add and one
// delete per request. V8 rehashes such a Set every few dozen requests and keeps each obsolete
// hash table, keys included, linked to its successor; once a major GC has moved the table to the
// old generation, those obsolete tables keep finished requests' contexts — and the request,
// response and parsed message they reach — alive through every scavenge, which copies and
// promotes them. Under load that was 1.2 MB surviving each scavenge instead of 0.2 MB, the
// largest single difference between thv-proxy and the bare proxy in the CPU profile.
//
// The test: after a major GC, finished requests must be garbage for the next scavenge already.
// Each request carries ~100 KB of parsed arguments, so 200 retained requests would be ~20 MB;
// with a Set this test keeps ~12-20 MB after two scavenges, with the fix well under 4 MB.

import v8 from 'node:v8';
import vm from 'node:vm';
import t from 'tap';
import { request } from 'undici';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as (opts?: { type: 'minor' | 'major' }) => void;
const heapUsed = (): number => v8.getHeapStatistics().used_heap_size;

function toolCall(id: number, items: number): string {
  const args = { rows: Array.from({ length: items }, (_, i) => ({ i, v: `value-${i}` })) };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: args } });
}

async function send(endpoint: string, count: number, concurrency: number, items: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const id = next++;
      const res = await request(endpoint, {
        method: 'POST',
        body: toolCall(id, items),
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`request ${id}: status ${res.statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Let responses' 'close' events and the request log's end-of-turn hand-over run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 50));
}

t.test('finished requests are garbage for the next scavenge, also after a major GC', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port, { max_body_bytes: 4 * 1024 * 1024 }));
  t.teardown(() => proxy.close(1000));
  const endpoint = proxy.endpoint;

  // Warm up the bookkeeping with small requests, then move it to the old generation.
  await send(endpoint, 300, 10, 1);
  await settle();
  gc();

  await send(endpoint, 200, 10, 1500);
  await settle();
  gc({ type: 'minor' });
  gc({ type: 'minor' });
  const afterScavenges = heapUsed();
  gc();
  const afterFullGc = heapUsed();
  const keptMb = (afterScavenges - afterFullGc) / 1e6;
  t.ok(keptMb < 4, `garbage still in the heap after two scavenges: ${keptMb.toFixed(1)} MB (200 retained requests would be ~20 MB)`);
});
