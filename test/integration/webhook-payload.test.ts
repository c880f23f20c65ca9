// SPEC §5 wire format as a webhook receives it: the payload fields, mcp_request byte for byte,
// and the HMAC signature recomputed by the webhook from the raw bytes it received.
import t from 'tap';
import { silentLogger } from '../../src/observability/logger.js';
import type { Behaviour } from '../helpers/webhookServer.js';
import { captureLogger, mcpContext, startWebhookServer, webhookConfig, webhookStage } from '../helpers/webhookServer.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const INSECURE = { caBundlePath: undefined, clientCertPath: undefined, clientKeyPath: undefined, insecureSkipVerify: true };
// Every feature a re-serialisation would lose: 1.0, 1e2, \u escapes, key order, spacing.
const ODD = Buffer.from('{"params": {"arguments":{"x":1.0,"y":1e2,"s":"\\u00e9","big":12345678901234567890},"name":"calc"} ,"id":42,"method":"tools/call","jsonrpc":"2.0"}\n');

t.test('§5 payload fields and mcp_request byte for byte', async (t) => {
  const server = await startWebhookServer({ behaviour: 'allow' });
  t.teardown(() => server.close());
  const stage = webhookStage(
    { serverName: 'calc-server', transport: 'sse', webhook: webhookConfig({ url: server.url, tls: INSECURE }) },
    { logger: silentLogger() },
  );
  t.teardown(() => stage.close!());

  const before = Date.now();
  t.equal(await stage.handle(mcpContext(ODD, { clientIp: '203.0.113.9' })), undefined);
  const after = Date.now();
  const call = server.calls[0]!;
  const raw = call.raw;
  const at = raw.indexOf(ODD);
  t.ok(at > 0, 'the original bytes are in the payload');
  t.equal(raw.subarray(at - '"mcp_request":'.length, at).toString(), '"mcp_request":', 'exactly as the mcp_request value');
  t.equal(raw.subarray(at + ODD.length, at + ODD.length + ',"context":'.length).toString(), ',"context":');

  const body = JSON.parse(raw.toString('utf8')) as Record<string, any>;
  t.equal(body['version'], 'v0.1.0');
  t.match(body['uid'], UUID_V4);
  t.match(body['timestamp'], RFC3339_UTC);
  const ts = Date.parse(body['timestamp'] as string);
  t.ok(ts >= before - 1000 && ts <= after + 1000, 'timestamp is now');
  t.equal(body['principal'], null);
  t.same(body['context'], { server_name: 'calc-server', source_ip: '203.0.113.9', transport: 'sse' });
  t.equal(body['mcp_request'].method, 'tools/call');
  t.equal(call.headers['content-type'], 'application/json');
  t.equal(call.headers['content-length'], String(raw.length));
  t.equal(call.headers['x-toolhive-signature'], undefined, 'unsigned without a secret');
  t.equal(call.headers['x-toolhive-timestamp'], undefined);
});

t.test('§5 HMAC signature verifies against the raw bytes received', async (t) => {
  const secret = Buffer.from('correct horse battery staple');
  const server = await startWebhookServer({ behaviour: 'allow', secret });
  t.teardown(() => server.close());
  const stage = webhookStage(
    { serverName: 's', transport: 'stdio', webhook: webhookConfig({ url: server.url, tls: INSECURE, hmacSecret: secret }) },
    { logger: silentLogger() },
  );
  t.teardown(() => stage.close!());
  await stage.handle(mcpContext(ODD));
  await stage.handle(mcpContext('{"jsonrpc":"2.0","id":2,"method":"ping"}'));
  t.equal(server.calls.length, 2);
  for (const call of server.calls) {
    t.equal(call.signatureValid, true, 'signature matches');
    const ts = Number(call.headers['x-toolhive-timestamp']);
    t.ok(Number.isInteger(ts) && Math.abs(ts - Date.now() / 1000) < 60, 'timestamp is unix seconds, now');
    t.match(call.headers['x-toolhive-signature'], /^sha256=[0-9a-f]{64}$/);
  }
  t.not(JSON.parse(server.calls[0]!.raw.toString()).uid, JSON.parse(server.calls[1]!.raw.toString()).uid, 'a fresh uid per call');
});

t.test('§5 a verifier with a different secret rejects the signature (the check can fail)', async (t) => {
  const server = await startWebhookServer({ behaviour: 'allow', secret: Buffer.from('other') });
  t.teardown(() => server.close());
  const stage = webhookStage(
    { serverName: 's', transport: 'stdio', webhook: webhookConfig({ url: server.url, tls: INSECURE, hmacSecret: Buffer.from('mine') }) },
    { logger: silentLogger() },
  );
  t.teardown(() => stage.close!());
  await stage.handle(mcpContext(ODD));
  t.equal(server.calls[0]!.signatureValid, false);
});

t.test('§8 the HMAC secret never reaches a log line, whatever the outcome', async (t) => {
  const secret = Buffer.from('very-secret-value-4f2a');
  const logs = captureLogger();
  const server = await startWebhookServer({ secret });
  t.teardown(() => server.close());
  const stage = webhookStage(
    { serverName: 's', transport: 'stdio', webhook: webhookConfig({ url: server.url, tls: INSECURE, hmacSecret: secret, timeoutMs: 1000 }) },
    { logger: logs.logger },
  );
  t.teardown(() => stage.close!());
  for (const behaviour of ['allow', 'deny', '422', '500', 'invalid-json'] as Behaviour[]) {
    server.behaviour = behaviour;
    await stage.handle(mcpContext(ODD));
  }
  t.equal(logs.lines().filter((l) => 'outcome' in l).length, 5, 'five decisions logged');
  t.notMatch(logs.text(), 'very-secret-value-4f2a');
  t.notMatch(logs.text(), secret.toString('hex'));
});
