// Regression (SPEC §1: dry-run prints "the exact HTTP status, headers and body a client would
// get"): a request whose head is over node's limit (16 KiB) — a bearer token with thousands of
// claims, say — is refused by the running server with 431 before any stage sees it, but dry-run
// judged its headers through the chain and said "forward". Now dry-run refuses it the same way.
import t from 'tap';
import net from 'node:net';
import { thv } from '../helpers/dryrunCli.js';
import { startInProcess, writeConfigFile } from '../helpers/proxy.js';

const big = 'a'.repeat(20_000);
const request = '{"jsonrpc":"2.0","id":1,"method":"ping"}';
const file = { name: 'head', transport: 'streamable-http' as const, target_port: 9, port: 0 };

t.test('§1 dry-run answers an oversized head as run does: 431, JSON-RPC error, exit 4', async (t) => {
  const proxy = await startInProcess(file, { store: 'memory' });
  t.teardown(() => proxy.close(0));
  const live = await new Promise<string>((resolve, reject) => {
    const url = new URL(proxy.url);
    const s = net.connect(Number(url.port), url.hostname, () => {
      s.write(`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Big: ${big}\r\nContent-Length: ${request.length}\r\n\r\n${request}`);
    });
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString()));
    s.on('close', () => resolve(got));
    s.on('error', (err) => (got ? resolve(got) : reject(err)));
  });
  const liveBody = live.slice(live.indexOf('\r\n\r\n') + 4);
  t.match(live, /^HTTP\/1\.1 431 /, 'the running proxy answers 431');

  const r = await thv(['dry-run', '--config', writeConfigFile(file), '--header', `X-Big: ${big}`, '--request', request, '--json']);
  t.equal(r.code, 4, r.stderr);
  const out = JSON.parse(r.stdout) as { verdict: string; response: { status: number; body: string }; stages: { stage: string }[] };
  t.equal(out.verdict, 'reject');
  t.equal(out.response.status, 431);
  t.equal(out.response.body, liveBody, 'the same body as the running proxy');
  t.strictSame(out.stages.map((s) => s.stage), ['server'], 'no stage judged the request');

  const small = await thv(['dry-run', '--config', writeConfigFile(file), '--header', `X-Small: ${'a'.repeat(1000)}`, '--request', request]);
  t.equal(small.code, 0, 'a head under the limit is judged by the chain as before');
});
