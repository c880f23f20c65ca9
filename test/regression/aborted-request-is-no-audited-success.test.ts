// Regression (SPEC §12: outcome `success` / `denied` / `failure`): a tools/call whose client
// went away before the answer was audited as `success` with status 200 — a status the proxy had
// set but never delivered. Now such an event says `failure` and `aborted: true`; a completed call
// stays `success`.
import t from 'tap';
import http from 'node:http';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson, waitFor } from '../helpers/http.js';

t.test('§12 a call the client abandons is audited as a failure, not a success', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => {
    if (body.includes('"slow"')) return void setTimeout(() => jsonResult(res, body, { content: [] }), 1500);
    jsonResult(res, body, { content: [] });
  });
  t.teardown(() => upstream.close());
  const logFile = join(mkdtempSync(join(tmpdir(), 'thv-audit-abort-')), 'audit.log');
  const proxy = await startInProcess(httpConfig(upstream.port, { audit_config: { logFile } }), { store: 'memory' });
  let closed = false;
  t.teardown(() => (closed ? undefined : proxy.close(0)));

  t.equal((await postJson(proxy.url, '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"fast"}}')).status, 200);
  const url = new URL(proxy.url);
  const req = http.request({ host: url.hostname, port: url.port, method: 'POST', path: '/mcp', headers: { 'content-type': 'application/json' }, agent: false });
  req.on('error', () => undefined);
  req.end('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"slow"}}');
  await waitFor(() => upstream.requests.length === 2, 5_000, 'the slow call reached the upstream');
  req.destroy();
  await waitFor(() => proxy.requestLogs().length === 2, 5_000, 'the abandoned call was logged');
  await proxy.close(1000);
  closed = true;

  const events = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; target: { name?: string }; metadata: { extra: Record<string, unknown> } });
  const byTool = new Map(events.map((e) => [e.target.name, e]));
  t.equal(byTool.get('fast')?.outcome, 'success');
  t.equal(byTool.get('fast')?.metadata.extra.aborted, undefined);
  t.equal(byTool.get('slow')?.outcome, 'failure', 'the abandoned call is no success');
  t.equal(byTool.get('slow')?.metadata.extra.aborted, true);
});
