// The upstream response's headers the client gets (src/proxy/headers.ts clientResponseHeaders):
// hop-by-hop ones (and those Connection names) left out, the input not changed, and only the
// object's own headers copied — a repeated `__proto__` header makes undici's parser put an array
// on its object's prototype, and nothing of that may become a header.
import t from 'tap';
import { clientResponseHeaders, type OutgoingHeaders } from '../../../src/proxy/headers.js';

t.test('hop-by-hop headers are left out, others copied, the input unchanged', async (t) => {
  const upstream: OutgoingHeaders = {
    'content-type': 'application/json',
    'content-length': '12',
    connection: 'keep-alive, x-internal',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
    'proxy-authenticate': 'Basic',
    'x-internal': 'secret',
    'set-cookie': ['a=1', 'b=2'],
  };
  const before = { ...upstream };
  const out = clientResponseHeaders(upstream);
  t.same(out, { 'content-type': 'application/json', 'content-length': '12', 'set-cookie': ['a=1', 'b=2'] });
  t.same(upstream, before, 'the input is not changed');
  t.not(out, upstream, 'a new object');
});

t.test('only own headers are copied, nothing from the prototype', async (t) => {
  // What undici's parser builds for a response carrying `__proto__: x` twice.
  const upstream = { 'content-type': 'application/json' } as OutgoingHeaders;
  Object.setPrototypeOf(upstream, [Object.prototype, 'x']);
  const out = clientResponseHeaders(upstream);
  t.same(Object.keys(out), ['content-type']);
  t.equal(Object.getPrototypeOf(out), Object.prototype);
});
