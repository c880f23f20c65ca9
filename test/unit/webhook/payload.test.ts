import t from 'tap';
import { PayloadBuilder, WEBHOOK_API_VERSION, formatTimestamp } from '../../../src/webhook/payload.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
// Go's time.Time JSON form (RFC3339Nano): fraction without trailing zeros, none on whole seconds.
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d*[1-9])?Z$/;

t.test('§5 timestamp is RFC 3339 UTC in Go time.Time form', async (t) => {
  t.equal(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 670)), '2025-01-02T03:04:05.67Z');
  t.equal(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 0)), '2025-01-02T03:04:05Z');
  t.equal(formatTimestamp(Date.UTC(2025, 11, 31, 23, 59, 59, 1)), '2025-12-31T23:59:59.001Z');
  t.equal(formatTimestamp(Date.UTC(2025, 0, 2, 3, 4, 5, 100)), '2025-01-02T03:04:05.1Z');
  for (let ms = 0; ms < 1000; ms += 37) t.match(formatTimestamp(1_700_000_000_000 + ms), RFC3339_UTC);
});

t.test('§5 payload wraps the original request bytes unchanged', async (t) => {
  const builder = new PayloadBuilder({ serverName: 'fetch "prod"', transport: 'streamable-http' });
  // Things a re-serialisation would change: 1.0, 1e2, escapes, key order, whitespace, -0.
  const original = Buffer.from('{ "params":{"arguments":{"n":1.0,"m":1e2,"s":"\\u00e9t\\u00e9","z":-0,"a":[ ]},"name":"calc"},\n"method":"tools/call","id":"x","jsonrpc":"2.0"}');
  const now = Date.UTC(2025, 5, 1, 12, 0, 0, 250);
  const { uid, bytes } = builder.build(original, '10.1.2.3', now);
  t.match(uid, UUID_V4, 'uid is a uuid v4');

  const start = bytes.indexOf(original);
  t.ok(start > 0, 'the original bytes appear verbatim');
  const prefix = `{"version":"${WEBHOOK_API_VERSION}","uid":"${uid}","timestamp":"2025-06-01T12:00:00.25Z","principal":null,"mcp_request":`;
  t.equal(bytes.subarray(0, start).toString(), prefix, 'fields before mcp_request, in order');
  t.equal(
    bytes.subarray(start + original.length).toString(),
    ',"context":{"server_name":"fetch \\"prod\\"","source_ip":"10.1.2.3","transport":"streamable-http"}}',
    'context after mcp_request, names JSON-escaped',
  );

  const parsed = JSON.parse(bytes.toString()) as Record<string, unknown>;
  t.same(Object.keys(parsed), ['version', 'uid', 'timestamp', 'principal', 'mcp_request', 'context']);
  t.same(parsed['context'], { server_name: 'fetch "prod"', source_ip: '10.1.2.3', transport: 'streamable-http' });
  t.equal(parsed['principal'], null);
});

t.test('§5 every call gets its own uid; non-ASCII bytes pass through', async (t) => {
  const builder = new PayloadBuilder({ serverName: 'sérveur', transport: 'stdio' });
  const body = Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"é✓"}}');
  const a = builder.build(body, '::1', 0);
  const b = builder.build(body, '::1', 0);
  t.not(a.uid, b.uid);
  t.ok(a.bytes.includes(body));
  const ctx = (JSON.parse(a.bytes.toString('utf8')) as { context: unknown }).context;
  t.same(ctx, { server_name: 'sérveur', source_ip: '::1', transport: 'stdio' });
  t.equal((JSON.parse(a.bytes.toString('utf8')) as { timestamp: string }).timestamp, '1970-01-01T00:00:00Z');
});
