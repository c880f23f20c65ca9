// Issue 17 item 8, the webhook half / SPEC §5 with §4's reasoning: a validating webhook with
// `failure_policy: ignore` is skipped only when the webhook really failed. When the proxy's own
// event loop is blocked (a parse-heavy body) past the webhook's timeout, the timeout timer used
// to run before the poll phase read the webhook's answer: "timed out -> ignored", and a request
// the webhook denied went through. A webhook that really hangs is still ignored after about its
// timeout.
//
// The webhook runs in its own process (as a real one does), so it answers while this process
// spins; the stage's own connection and timers live here.
import { spawn, type ChildProcess } from 'node:child_process';
import t from 'tap';
import { Rejection } from '../../src/errors.js';
import { silentLogger } from '../../src/observability/logger.js';
import type { Middleware } from '../../src/chain/types.js';
import { mcpContext, webhookConfig, webhookStage } from '../helpers/webhookServer.js';

const TIMEOUT_MS = 150;
const CALL = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"delete_everything"}}';

/** A webhook in a child process: denies every call, or (path /hang) never answers. */
const WEBHOOK = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.url === '/hang') return;
    const uid = JSON.parse(Buffer.concat(chunks).toString()).uid;
    const body = JSON.stringify({ version: 'v0.1.0', uid, allowed: false, message: 'not this one' });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port) + '\\n'));
`;

async function startWebhookProcess(): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', WEBHOOK], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    child.once('exit', (code) => reject(new Error(`webhook process exited with ${code}`)));
  });
  return { port, child };
}

function blockLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin: what a 100+ ms JSON.parse of another request's body does
  }
}

function stage(url: string): Middleware {
  return webhookStage(
    { serverName: 's', transport: 'streamable-http', webhook: webhookConfig({ url, failurePolicy: 'ignore', timeoutMs: TIMEOUT_MS }) },
    { logger: silentLogger() },
  );
}

t.test('§5 failure_policy ignore: a late event loop is not a webhook timeout; the denial stands', async (t) => {
  const { port, child } = await startWebhookProcess();
  t.teardown(() => void child.kill());
  const webhook = stage(`http://127.0.0.1:${port}/policy`);
  t.teardown(() => webhook.close!());

  t.ok((await webhook.handle(mcpContext(CALL))) instanceof Rejection, 'denied with the loop free');

  let ignored = 0;
  const rounds = 6;
  for (let i = 0; i < rounds; i++) {
    // Cold (i = 0: a new connection right after the block) and warm keep-alive connections.
    const pending = webhook.handle(mcpContext(CALL));
    blockLoop(TIMEOUT_MS + 200);
    if (!((await pending) instanceof Rejection)) ignored++;
  }
  t.equal(ignored, 0, `denied calls let through as "webhook timed out -> ignored": ${ignored} of ${rounds}`);
});

t.test('§5 failure_policy ignore: a webhook that really hangs is still ignored after about its timeout, loop late or not', async (t) => {
  const { port, child } = await startWebhookProcess();
  t.teardown(() => void child.kill());
  const webhook = stage(`http://127.0.0.1:${port}/hang`);
  t.teardown(() => webhook.close!());

  // The upper bounds only prove the call does not hang: generous, because a loaded CI machine
  // delays timers by hundreds of milliseconds (it failed once at +150 ms under a parallel run).
  const SLACK_MS = 2000;
  let start = performance.now();
  t.equal(await webhook.handle(mcpContext(CALL)), undefined, 'ignored');
  let took = performance.now() - start;
  t.ok(took >= TIMEOUT_MS - 5 && took < TIMEOUT_MS + SLACK_MS, `after ${took.toFixed(0)} ms (timeout ${TIMEOUT_MS} ms)`);

  start = performance.now();
  const pending = webhook.handle(mcpContext(CALL));
  blockLoop(200);
  t.equal(await pending, undefined, 'ignored');
  took = performance.now() - start;
  t.ok(took >= TIMEOUT_MS && took < 200 + TIMEOUT_MS + SLACK_MS, `after ${took.toFixed(0)} ms (200 ms of it the loop's own)`);
});
