// Regression (SPEC §12: audit writes never block the request path; §1: SIGTERM exits 0 after at
// most the grace period): with an audit logFile that accepts no write (/dev/full: ENOSPC, as a
// full disk), the writer retried the same buffer every 50 ms forever — an error line per retry
// with no traffic at all (224 in 11 s) — and on SIGTERM the proxy waited for that buffer to be
// written and never exited. Now the failing file is let go: one error line per 10 s, events are
// dropped and counted, and shutdown waits for the file at most 2 s.
import t from 'tap';
import { existsSync } from 'node:fs';
import { spawnProxy } from '../helpers/proxy.js';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { postJson } from '../helpers/http.js';

t.test('§12 an unwritable audit file: one error line, requests served, SIGTERM exits 0 in time', { skip: !existsSync('/dev/full') && 'no /dev/full here' }, async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  const proxy = await spawnProxy({
    name: 'audit-full',
    transport: 'streamable-http',
    target_host: '127.0.0.1',
    target_port: upstream.port,
    port: 0,
    audit_config: { logFile: '/dev/full' },
  });
  t.teardown(() => proxy.stop('SIGKILL'));
  for (let i = 0; i < 12; i++) {
    const r = await postJson(proxy.endpoint, `{"jsonrpc":"2.0","id":${i},"method":"tools/call","params":{"name":"x"}}`);
    t.equal(r.status, 200, 'the request path does not care');
  }
  await new Promise((r) => setTimeout(r, 1500));
  const failures = proxy.stdoutLines.filter((l) => l.includes('audit log write failed'));
  t.equal(failures.length, 1, `one error line, not one per retry (${failures.length})`);
  const started = Date.now();
  const code = await proxy.stop('SIGTERM');
  t.equal(code, 0, 'SIGTERM exits 0');
  t.ok(Date.now() - started < 8_000, `within the bound (${Date.now() - started} ms)`);
});
