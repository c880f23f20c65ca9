// SPEC §5 timeouts: the configured timeout bounds the whole exchange, so a webhook that hangs
// at any point (TCP accepted but no TLS handshake, headers never sent, body never finished)
// never holds a request much longer than its timeout.
import net from 'node:net';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { Rejection } from '../../src/errors.js';
import type { FailurePolicy } from '../../src/config/types.js';
import { silentLogger } from '../../src/observability/logger.js';
import { testCerts } from '../helpers/certs.js';
import { mcpContext, startWebhookServer, webhookConfig, webhookStage } from '../helpers/webhookServer.js';

const CALL = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"slow"}}';
const TIMEOUT_MS = 1000;
// Generous: the machine is shared; what matters is "about the timeout", not "forever".
const MARGIN_MS = 1500;
const certs = testCerts();

async function timed(t: Test, url: string, failurePolicy: FailurePolicy, tls: { ca?: boolean; insecure?: boolean } = {}) {
  const stage = webhookStage(
    {
      serverName: 's',
      transport: 'streamable-http',
      webhook: webhookConfig({
        url,
        failurePolicy,
        timeoutMs: TIMEOUT_MS,
        tls: { caBundlePath: tls.ca ? certs.caCert : undefined, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: tls.insecure ?? false },
      }),
    },
    { logger: silentLogger() },
  );
  t.teardown(() => stage.close!());
  const ctx = mcpContext(CALL, { trace: true });
  const start = performance.now();
  const result = await stage.handle(ctx);
  return { result, elapsed: performance.now() - start, summary: ctx.note?.summary ?? '' };
}

function check(t: Test, policy: FailurePolicy, r: Awaited<ReturnType<typeof timed>>): void {
  t.ok(r.elapsed >= TIMEOUT_MS - 50, `waited for the timeout (${Math.round(r.elapsed)} ms)`);
  t.ok(r.elapsed < TIMEOUT_MS + MARGIN_MS, `released within timeout + ${MARGIN_MS} ms (${Math.round(r.elapsed)} ms)`);
  t.match(r.summary, /^error: timeout after 1000 ms/);
  if (policy === 'fail') t.ok(r.result instanceof Rejection, 'fail -> denied');
  else t.equal(r.result, undefined, 'ignore -> continues');
}

t.test('§5 a webhook that never answers holds the request no longer than its timeout', async (t) => {
  const server = await startWebhookServer({ behaviour: 'hang' });
  t.teardown(() => server.close());
  for (const policy of ['fail', 'ignore'] as const) {
    const r = await timed(t, server.url, policy, { insecure: true });
    check(t, policy, r);
  }
  t.equal(server.calls.length, 2, 'both calls reached the webhook');
});

t.test('§5 the timeout covers the TLS handshake (TCP accepted, nothing sent back)', async (t) => {
  const sockets = new Set<net.Socket>();
  const silent = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}/v`;
  for (const policy of ['fail', 'ignore'] as const) check(t, policy, await timed(t, url, policy, { ca: true }));
});

t.test('§5 the timeout covers the response body (headers sent, body never finished)', async (t) => {
  const server = https.createServer({ cert: certs.read(certs.serverCert), key: certs.read(certs.serverKey) }, (req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"allowed":');
    // ...and nothing more
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v`;
  for (const policy of ['fail', 'ignore'] as const) check(t, policy, await timed(t, url, policy, { ca: true }));
});
