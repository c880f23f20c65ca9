// §2 durations: Go's own test tables (src/time/time_test.go: parseDurationTests, durationTests),
// so thv-proxy reads "1m0s" exactly as ToolHive's Go code does.
import t from 'tap';
import { DurationError, formatDuration, formatDurationNs, parseDuration, parseDurationNs } from '../../../src/config/duration.js';

const ns = 1n;
const us = 1000n * ns;
const ms = 1000n * us;
const sec = 1000n * ms;
const min = 60n * sec;
const hour = 60n * min;
const MAX = (1n << 63n) - 1n;

const valid: [string, bigint][] = [
  ['0', 0n], ['5s', 5n * sec], ['30s', 30n * sec], ['1478s', 1478n * sec],
  ['-5s', -5n * sec], ['+5s', 5n * sec], ['-0', 0n], ['+0', 0n],
  ['5.0s', 5n * sec], ['5.6s', 5n * sec + 600n * ms], ['5.s', 5n * sec], ['.5s', 500n * ms],
  ['1.0s', sec], ['1.00s', sec], ['1.004s', sec + 4n * ms], ['1.0040s', sec + 4n * ms],
  ['100.00100s', 100n * sec + ms],
  ['10ns', 10n * ns], ['11us', 11n * us], ['12µs', 12n * us], ['12μs', 12n * us], ['13ms', 13n * ms],
  ['14s', 14n * sec], ['15m', 15n * min], ['16h', 16n * hour],
  ['3h30m', 3n * hour + 30n * min], ['10.5s4m', 4n * min + 10n * sec + 500n * ms],
  ['-2m3.4s', -(2n * min + 3n * sec + 400n * ms)],
  ['1h2m3s4ms5us6ns', hour + 2n * min + 3n * sec + 4n * ms + 5n * us + 6n * ns],
  ['39h9m14.425s', 39n * hour + 9n * min + 14n * sec + 425n * ms],
  ['52763797000ns', 52763797000n],
  ['0.3333333333333333333h', 20n * min],
  ['9007199254740993ns', (1n << 53n) + 1n],
  ['9223372036854775807ns', MAX], ['9223372036854775.807us', MAX], ['9223372036s854ms775us807ns', MAX],
  ['-9223372036854775807ns', -MAX],
  ['0.100000000000000000000h', 6n * min],
  ['0.830103483285477580700h', 49n * min + 48n * sec + 372539827n],
  // the brief's own examples
  ['1h2m3.5s', hour + 2n * min + 3n * sec + 500n * ms], ['1.s', sec], ['1m0s', min],
];

const invalid = [
  '', '3', '-', 's', '.', '-.', '.s', '+.s',
  '3000000h', '9223372036854775808ns', '9223372036854775.808us', '9223372036854ms775us808ns',
  '-9223372036854775808ns',
  '1d', '5', '00', '1 s', ' 1s', '1s ', '1S', '1sec', 'abc', '--1s', '1h-2m',
];

t.test('§2 parseDurationNs accepts every valid case of Go\'s parseDurationTests', async (t) => {
  for (const [input, want] of valid) t.equal(parseDurationNs(input), want, input);
});

t.test('§2 parseDurationNs rejects every error case of Go\'s parseDurationTests', async (t) => {
  for (const input of invalid) t.throws(() => parseDurationNs(input), DurationError, JSON.stringify(input));
});

t.test('§2 parse errors read like Go\'s', async (t) => {
  t.throws(() => parseDuration(''), { message: 'time: invalid duration ""' });
  t.throws(() => parseDuration('5'), { message: 'time: missing unit in duration "5"' });
  t.throws(() => parseDuration('-'), { message: 'time: invalid duration "-"' });
  t.throws(() => parseDuration('1d'), { message: /^time: unknown unit "d" in duration "1d"/ });
});

t.test('§2 parseDuration returns milliseconds as a float', async (t) => {
  t.equal(parseDuration('1m0s'), 60_000);
  t.equal(parseDuration('1.5h'), 5_400_000);
  t.equal(parseDuration('500ms'), 500);
  t.equal(parseDuration('1500us'), 1.5);
  t.equal(parseDuration('1ns'), 1e-6);
  t.equal(parseDuration('-30s'), -30_000);
});

t.test('§2 formatDurationNs matches Go\'s durationTests (String())', async (t) => {
  const cases: [string, bigint][] = [
    ['0s', 0n], ['1ns', 1n], ['1.1µs', 1100n], ['2.2ms', 2200n * us], ['3.3s', 3300n * ms],
    ['4m5s', 4n * min + 5n * sec], ['4m5.001s', 4n * min + 5001n * ms],
    ['5h6m7.001s', 5n * hour + 6n * min + 7001n * ms], ['8m0.000000001s', 8n * min + 1n],
    ['2562047h47m16.854775807s', MAX], ['-2562047h47m16.854775808s', -(1n << 63n)],
  ];
  for (const [want, d] of cases) {
    t.equal(formatDurationNs(d), want, want);
    if (d > 0n) t.equal(formatDurationNs(-d), `-${want}`, `-${want}`);
  }
});

t.test('§2 formatDuration takes milliseconds', async (t) => {
  t.equal(formatDuration(60_000), '1m0s');
  t.equal(formatDuration(30_000), '30s');
  t.equal(formatDuration(500), '500ms');
  t.equal(formatDuration(5_400_000), '1h30m0s');
  t.equal(formatDuration(10_000), '10s');
});

t.test('§2 round trip: String() output parses back to the same value (Go\'s TestParseDurationRoundTrip)', async (t) => {
  let seed = 12345;
  for (let i = 0; i < 200; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    const d = BigInt(seed) * ms;
    t.equal(parseDurationNs(formatDurationNs(d)), d);
  }
});
