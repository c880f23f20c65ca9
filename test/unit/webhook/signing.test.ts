import t from 'tap';
import { createHmac } from 'node:crypto';
import { signPayload, requestHeaders, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../../src/webhook/signing.js';

t.test('§5 signature is sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>', async (t) => {
  const secret = Buffer.from('s3cret');
  const body = Buffer.from('{"a":1}');
  // Independent computation over the concatenated message.
  const expected = createHmac('sha256', 's3cret').update('1700000000.{"a":1}').digest('hex');
  t.equal(signPayload(secret, 1700000000, body), `sha256=${expected}`);
  // Known vector: HMAC-SHA256("key", "1.x")
  t.equal(signPayload(Buffer.from('key'), 1, Buffer.from('x')), `sha256=${createHmac('sha256', 'key').update('1.x').digest('hex')}`);
  t.not(signPayload(secret, 1700000001, body), signPayload(secret, 1700000000, body), 'the timestamp is covered');
});

t.test('§5 headers: unix seconds timestamp and matching signature; none without a secret', async (t) => {
  const body = Buffer.from('{}');
  t.same(requestHeaders(null, body, 1_700_000_000_999), { 'content-type': 'application/json' });
  const h = requestHeaders(Buffer.from('k'), body, 1_700_000_000_999);
  t.equal(h[TIMESTAMP_HEADER], '1700000000', 'whole seconds, rounded down');
  t.equal(h[SIGNATURE_HEADER], signPayload(Buffer.from('k'), 1700000000, body));
  t.equal(h['content-type'], 'application/json');
  t.equal(TIMESTAMP_HEADER, 'X-ToolHive-Timestamp'.toLowerCase());
  t.equal(SIGNATURE_HEADER, 'X-ToolHive-Signature'.toLowerCase());
});
