// Issue 17, defect 10: the DNS-rebinding guard (SPEC §6) was silently off when the loopback
// listen address was written differently (`::ffff:127.0.0.1`, `0:0:0:0:0:0:0:1`, `LOCALHOST`,
// `localhost.`): with `::ffff:127.0.0.1`, `Host: evil.example` was forwarded. Defect 11: /ready
// skipped the guard and named the upstream's address.

import t from 'tap';
import { isLoopback, isWildcard, planChain } from '../../src/chain/plan.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson, send } from '../helpers/http.js';

const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/list"}';

t.test('every spelling of a loopback address counts as loopback', async (t) => {
  for (const h of ['127.0.0.1', '127.3.2.1', 'localhost', 'LOCALHOST', 'localhost.', 'Localhost.', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1', '[::ffff:127.0.0.1]', '::FFFF:7f00:1']) {
    t.ok(isLoopback(h), h);
  }
  for (const h of ['0.0.0.0', '::', '10.0.0.1', '::ffff:10.0.0.1', '192.168.1.1', 'example.com', 'localhost.example.com', '128.0.0.1']) {
    t.notOk(isLoopback(h), h);
  }
  t.ok(isWildcard('0.0.0.0'));
  t.ok(isWildcard('::'));
  t.ok(isWildcard('0:0:0:0:0:0:0:0'));
  t.notOk(isWildcard('127.0.0.1'));
});

t.test('§6 the plan includes the guard for each loopback spelling', async (t) => {
  const { loadConfigText } = await import('../../src/config/load.js');
  for (const host of ['::ffff:127.0.0.1', '0:0:0:0:0:0:0:1', 'LOCALHOST', 'localhost.']) {
    const loaded = loadConfigText(JSON.stringify(httpConfig(9, { host })), 'c.json', {}, {});
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    t.ok(planChain(loaded.config).stages.some((s) => s.type === 'host-guard'), host);
  }
});

t.test('§6 listening on ::ffff:127.0.0.1, a foreign Host is refused and /ready is guarded', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port, { host: '::ffff:127.0.0.1' }));
  t.teardown(() => proxy.close(1000));
  const base = proxy.url.replace('[::ffff:127.0.0.1]', '127.0.0.1');

  const evil = await postJson(base, CALL, { host: 'evil.example' });
  t.equal(evil.status, 403);
  t.equal(upstream.requests.length, 0, 'not forwarded');
  t.equal((await postJson(base, CALL, { host: `localhost:${new URL(base).port}` })).status, 200);

  const ready = await send(base, { method: 'GET', path: '/ready', headers: { host: 'evil.example' } });
  t.equal(ready.status, 403, '/ready is guarded like every path');
  t.notMatch(ready.body, String(upstream.port));
});
