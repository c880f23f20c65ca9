// Regression (SPEC §4, §7: errors carry "the request's id"): the proxy's own error bodies printed
// the id as a JavaScript double. A client whose ids are 64-bit integers (Go's int64) sent
// 9007199254740993 and got its 429 for 9007199254740992 — an answer to no request it made;
// 1e400 came back as null. Now an id a double would print differently is echoed as the client
// wrote it. (Through the stdio bridge: test/regression/stdio-numbers-pass-unchanged.test.ts.)
import t from 'tap';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';

const call = (id: string): string => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"echo"}}`;

t.test('a 429 and a 502 echo the id exactly as the client wrote it', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  const proxy = await startInProcess(
    httpConfig(upstream.port, { rate_limit_config: { tools: [{ name: 'echo', shared: { maxTokens: 1, refillPeriod: '1h' } }] } }),
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(0));
  t.equal((await postJson(proxy.endpoint, call('1'))).status, 200, 'the one token');
  for (const id of ['9007199254740993', '123456789012345678901234567890', '1e400', '1.50', '-0', '7']) {
    const r = await postJson(proxy.endpoint, call(id));
    t.equal(r.status, 429);
    t.ok(r.body.startsWith(`{"jsonrpc":"2.0","id":${id},"error":{"code":-32029,`), `id ${id}: ${r.body}`);
  }
  const text = await postJson(proxy.endpoint, call('"abc"'));
  t.ok(text.body.startsWith('{"jsonrpc":"2.0","id":"abc",'), 'string ids as before');

  await upstream.close();
  const unlimited = await startInProcess(httpConfig(upstream.port), { store: 'memory' });
  t.teardown(() => unlimited.close(0));
  const gone = await postJson(unlimited.endpoint, call('9007199254740993'));
  t.equal(gone.status, 502);
  t.ok(gone.body.startsWith('{"jsonrpc":"2.0","id":9007199254740993,'), `the terminal's own errors too: ${gone.body}`);
});
