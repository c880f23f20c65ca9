// SPEC §6 probes: /health while serving, /ready naming the dependency that fails; both answered
// by the proxy itself, after the stages that judge the HTTP message (body limit, Host/Origin
// guard): /ready names the upstream's address, which a DNS-rebinding page must not read.

import t from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { send } from '../helpers/http.js';

t.test('§6 /health and /ready', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  const port = upstream.port;
  const proxy = await startInProcess(httpConfig(port));
  t.teardown(() => proxy.close(1000));

  const foreign = await send(proxy.url, { method: 'GET', path: '/health', headers: { host: '10.1.2.3:8080' } });
  t.equal(foreign.status, 403, 'a probe with a foreign Host is refused like any request on a loopback listener');
  const foreignReady = await send(proxy.url, { method: 'GET', path: '/ready', headers: { host: 'evil.example' } });
  t.equal(foreignReady.status, 403);
  t.notMatch(foreignReady.body, String(port), '/ready does not name the upstream to a foreign Host');

  const health = await send(proxy.url, { method: 'GET', path: '/health' });
  t.equal(health.status, 200);
  t.equal(health.body, '{"status":"ok"}');
  t.match(health.headers['content-type'], /^application\/json/);

  const ready = await send(proxy.url, { method: 'GET', path: '/ready' });
  t.equal(ready.status, 200);
  t.equal(ready.body, '{"status":"ready"}');
  t.equal(upstream.requests.length, 0, 'probes never reach the upstream');

  await upstream.close();
  const down = await send(proxy.url, { method: 'GET', path: '/ready' });
  t.equal(down.status, 503);
  const body = JSON.parse(down.body) as { status: string; failed: Record<string, string> };
  t.equal(body.status, 'not ready');
  t.match(body.failed.upstream, new RegExp(`127\\.0\\.0\\.1:${port}.*ECONNREFUSED`), 'names the upstream and the cause');
  t.equal(body.failed.redis, undefined, 'no Redis in this config');

  const stillHealthy = await send(proxy.url, { method: 'GET', path: '/health' });
  t.equal(stillHealthy.status, 200, '/health stays 200 while the process serves');

  const upAgain = await startRawUpstream((_req, res, body) => jsonResult(res, body), port);
  t.teardown(() => upAgain.close());
  t.equal((await send(proxy.url, { method: 'GET', path: '/ready' })).status, 200, 'ready again when the upstream is back');
});
