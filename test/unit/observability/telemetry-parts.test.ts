// SPEC §12 building blocks as tables: bounded labels, the histogram aggregation, ToolHive's Redis
// error classes and bucket dimensions, the auth reason classes, audit outcomes and data cutting.
import t from 'tap';
import { BoundedLabel, KnownNames, methodLabel, OTHER } from '../../../src/telemetry/labels.js';
import { Aggregates } from '../../../src/telemetry/aggregate.js';
import { authReason, bucketDimensions, redisErrorType } from '../../../src/telemetry/instruments.js';
import { auditData, outcomeOf } from '../../../src/audit/event.js';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { NO_TELEMETRY } from '../../../src/telemetry/hooks.js';

t.test('§12 bounded labels: configured names, then a first-come cap, then _other', async (t) => {
  const l = new BoundedLabel(['search'], 2);
  t.equal(l.value('search'), 'search');
  t.equal(l.value('a'), 'a');
  t.equal(l.value('b'), 'b');
  t.equal(l.value('c'), OTHER, 'past the cap');
  t.equal(l.value('a'), 'a', 'admitted names stay');
  t.equal(l.value('x'.repeat(129)), OTHER, 'over 128 bytes');
  t.equal(l.size, 3);
  t.equal(methodLabel('tools/call'), 'tools/call');
  t.equal(methodLabel('tools/call2'), OTHER);
  t.equal(methodLabel(undefined), 'unknown');
});

t.test('§12 known names: configured and learned (announced by the upstream) only, learning capped', async (t) => {
  const l = new KnownNames(['search'], 2);
  t.equal(l.value('search'), 'search');
  t.equal(l.value('a'), OTHER, 'a name nobody announced');
  l.learn('a');
  t.equal(l.value('a'), 'a', 'announced in a list answer');
  l.learn('x'.repeat(129));
  t.equal(l.value('x'.repeat(129)), OTHER, 'over 128 bytes is never learned');
  l.learn('b');
  l.learn('c');
  t.equal(l.value('c'), OTHER, 'past the learning cap');
  t.equal(l.size, 3);
  t.equal(l.value(undefined), '');
});

t.test('§12 histogram buckets: value <= boundary, cumulative in Prometheus; sums per attribute object', async (t) => {
  const a = new Aggregates(resourceFromAttributes({}));
  const h = a.histogram('s', { name: 'h', description: '', unit: 's' }, [0.1, 1]);
  const c = a.sum('s', { name: 'c', description: '', unit: '' });
  const attrs = Object.freeze({ k: 'v' });
  for (const v of [0.05, 0.1, 0.5, 2]) h.record(v, attrs);
  c.add(2, attrs);
  c.add(3, attrs);
  const { resourceMetrics } = await a.collect();
  const [hist, sum] = resourceMetrics.scopeMetrics[0]!.metrics;
  const hv = hist!.dataPoints[0]!.value as { buckets: { counts: number[] }; sum: number; count: number; min: number; max: number };
  t.strictSame(hv.buckets.counts, [2, 1, 1], '0.1 falls in the first bucket (le="0.1")');
  t.equal(hv.count, 4);
  t.equal(hv.min, 0.05);
  t.equal(hv.max, 2);
  t.equal(sum!.dataPoints[0]!.value, 5);
  t.equal(resourceMetrics.scopeMetrics[0]!.metrics.length, 2);
});

t.test("§12 ToolHive's rate-limit dimensions and Redis error classes", async (t) => {
  t.strictSame(bucketDimensions('shared'), { scope: 'shared', operation: 'server' });
  t.strictSame(bucketDimensions('tool:search'), { scope: 'shared', operation: 'tool' });
  t.strictSame(bucketDimensions('user'), { scope: 'per_user', operation: 'server' });
  t.strictSame(bucketDimensions('user-tool:search'), { scope: 'per_user', operation: 'tool' });
  t.equal(redisErrorType(new Error('rate-limit check timed out: Redis at 127.0.0.1:6379 did not answer within 250 ms')), 'timeout');
  t.equal(redisErrorType(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' })), 'connection');
  t.equal(redisErrorType(new Error("Stream isn't writeable and enableOfflineQueue options is false")), 'connection');
  t.equal(redisErrorType(new Error('NOAUTH Authentication required.')), 'auth');
  t.equal(redisErrorType(new Error('ERR unknown command')), 'other');
});

t.test('§12 auth reasons collapse into a fixed set', async (t) => {
  t.equal(authReason('authentication: no bearer token'), 'missing_token');
  t.equal(authReason('authentication: token expired at 2026-01-01T00:00:00Z'), 'expired');
  t.equal(authReason('authentication: claim "aud" fails its check'), 'audience');
  t.equal(authReason('authentication: introspection says the token is not active'), 'inactive');
  t.equal(authReason('authentication: something new'), 'invalid_token');
});

t.test('§12 audit outcomes and data cut at maxDataSize on a character boundary', async (t) => {
  t.strictSame([200, 202, 401, 403, 404, 429, 500, 502].map(outcomeOf), ['success', 'success', 'denied', 'denied', 'failure', 'failure', 'failure', 'failure']);
  t.strictSame(auditData(Buffer.from('{"a":1}'), 64), { value: { a: 1 }, truncated: false });
  t.strictSame(auditData(Buffer.from('not json'), 64), { value: 'not json', truncated: false });
  const cut = auditData(Buffer.from('ééééé'), 5);
  t.equal(cut.value, 'éé', 'never half a character');
  t.equal(cut.truncated, true);
  // A prefix already cut at max (the response capture): its last character may be incomplete.
  const prefix = (text: string, n: number) => auditData(Buffer.from(text).subarray(0, n), n, false);
  t.strictSame(prefix('ééé', 5), { value: 'éé', truncated: true }, 'half a two-byte character is dropped');
  t.strictSame(prefix('ééé', 4), { value: 'éé', truncated: true }, 'a cut on a boundary keeps everything');
  t.strictSame(prefix('a€€', 6), { value: 'a€', truncated: true }, 'two thirds of a three-byte character are dropped');
  t.strictSame(prefix('😀😀', 7), { value: '😀', truncated: true }, 'three quarters of a four-byte character are dropped');
  t.strictSame(prefix('{"a":1}', 7), { value: '{"a":1}', truncated: true }, 'a prefix is never taken for the whole body');
});

t.test('§12 off means off: NO_TELEMETRY records nothing and propagates nothing', async (t) => {
  t.equal(NO_TELEMETRY.enabled, false);
  t.equal(NO_TELEMETRY.webhookStarting({} as never, 'x'), null);
  t.ok(Object.isFrozen(NO_TELEMETRY));
});
