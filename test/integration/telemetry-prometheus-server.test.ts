// SPEC §12 with a real Prometheus server (Debian's package, installed by .ci/run): it scrapes the
// proxy's /metrics every second, and the test asks Prometheus's HTTP API — as a dashboard or an
// alert rule would — for the request counter and the rate-limit decision counter after a known
// sequence of calls: two allowed, one rejected, two let through while Redis is stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { freePort } from '../helpers/ports.js';
import { postJson } from '../helpers/http.js';
import { limitedProxyWithMetrics } from '../helpers/telemetry.js';

const call = (id: number): string => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'search', arguments: {} } });

async function startPrometheus(targetPort: number): Promise<{ url: string; stop(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'thv-prometheus-'));
  const port = await freePort();
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: thv-proxy\n    static_configs:\n      - targets: ['127.0.0.1:${targetPort}']\n`,
  );
  const child: ChildProcess = spawn(
    'prometheus',
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore', cwd: dir },
  );
  const stop = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', () => child.kill('SIGKILL'));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) return { url, stop };
    if (Date.now() > deadline) {
      stop();
      throw new Error('prometheus did not become ready within 30 s');
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The value of an instant-vector query (summed), or undefined while Prometheus has no sample. */
async function query(promUrl: string, expr: string): Promise<number | undefined> {
  const res = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(`sum(${expr})`)}`);
  const body = (await res.json()) as { status: string; data: { result: Array<{ value: [number, string] }> } };
  if (body.status !== 'success' || body.data.result.length === 0) return undefined;
  return Number(body.data.result[0]!.value[1]);
}

/** Wait until Prometheus has scraped `expected` for `expr` (it scrapes every second). */
async function eventually(promUrl: string, expr: string, expected: number): Promise<number | undefined> {
  const deadline = Date.now() + 30_000;
  let last: number | undefined;
  while (Date.now() < deadline) {
    last = await query(promUrl, expr);
    if (last === expected) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
}

t.test('§12 a real Prometheus scrapes the request and rate-limit decision counters', async (t) => {
  const { redis, proxy, metricsPort } = await limitedProxyWithMetrics(t, { tools: [{ name: 'search', shared: { maxTokens: 2, refillPeriod: '1h' } }] });
  const prom = await startPrometheus(metricsPort);
  t.teardown(() => prom.stop());

  const statuses: number[] = [];
  for (let i = 1; i <= 3; i++) statuses.push((await postJson(proxy.url, call(i))).status);
  await redis.kill();
  for (let i = 4; i <= 5; i++) statuses.push((await postJson(proxy.url, call(i))).status);
  t.strictSame(statuses, [200, 200, 429, 200, 200], 'two allowed, one limited, two through while Redis is down');

  const server = 'server="test-server"';
  t.equal(await eventually(prom.url, `toolhive_mcp_requests_total{${server},mcp_method="tools/call"}`, 5), 5, 'requests counted');
  t.equal(await eventually(prom.url, `toolhive_mcp_requests_total{${server},status_code="429"}`, 1), 1, 'the 429');
  t.equal(await eventually(prom.url, `toolhive_rate_limit_decisions_total{${server},decision="allowed"}`, 2), 2, 'allowed decisions');
  t.equal(await eventually(prom.url, `toolhive_rate_limit_decisions_total{${server},decision="rejected",scope="shared",operation_type="tool"}`, 1), 1, 'the rejection, with its scope');
  t.equal(await eventually(prom.url, `toolhive_rate_limit_fail_open_total{${server}}`, 2), 2, 'fail-open while Redis was stopped');
  t.equal(await eventually(prom.url, 'up{job="thv-proxy"}', 1), 1, 'the target is up');
});
