// Audit, defect 3 (SPEC §3 "413 beyond it, before reading on"): `Expect: 100-continue` with a
// Content-Length over the body limit was first answered `100 Continue` — inviting the upload the
// proxy then refused with 413. Now the 413 comes at once, without 100 Continue; a request under
// the limit still gets 100 Continue and then its normal answer.

import net from 'node:net';
import t, { type Test } from 'tap';
import { jsonResult, startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { waitFor } from '../helpers/http.js';

const CALL = '{"jsonrpc":"2.0","id":7,"method":"tools/list"}';

/** A connection that collects what the server sends; `until` waits for a pattern. */
function connect(baseUrl: string): { socket: net.Socket; text: () => string; until: (re: RegExp, ms: number) => Promise<boolean>; closed: Promise<void> } {
  const url = new URL(baseUrl);
  const socket = net.connect({ host: url.hostname, port: Number(url.port) });
  let text = '';
  const waiters: Array<() => void> = [];
  socket.on('data', (c: Buffer) => {
    text += c.toString('latin1');
    waiters.splice(0).forEach((w) => w());
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  const until = (re: RegExp, ms: number): Promise<boolean> =>
    new Promise((resolve) => {
      const deadline = setTimeout(() => resolve(false), ms);
      const check = (): void => {
        if (re.test(text)) {
          clearTimeout(deadline);
          resolve(true);
        } else {
          waiters.push(check);
        }
      };
      check();
    });
  return { socket, text: () => text, until, closed };
}

/** An upstream, the proxy in front of it and a raw socket to the proxy; all closed at teardown. */
async function proxyAndSocket(t: Test) {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(1000));
  const c = connect(proxy.url);
  t.teardown(() => c.socket.destroy());
  return { upstream, proxy, host: new URL(proxy.url).host, c };
}

t.test('§3 Expect: 100-continue over the body limit: 413 at once, no 100 Continue', async (t) => {
  const { upstream, proxy, host, c } = await proxyAndSocket(t);
  c.socket.write(`POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 9000000\r\n\r\n`);
  t.ok(await c.until(/\r\n\r\n\{.*\}\}$/s, 3000), 'a whole answer arrives without sending the body');
  t.notMatch(c.text(), /100 Continue/, 'no 100 Continue');
  t.match(c.text(), /^HTTP\/1\.1 413 /);
  t.match(c.text(), /\r\nconnection: close\r\n/i);
  t.match(c.text(), /\{"jsonrpc":"2\.0","error":\{"code":-32600,"message":"Request body too large"\}\}$/);
  // A client that sends the body anyway after its own wait still reads the answer (lingering close).
  c.socket.write(Buffer.alloc(64 * 1024, 0x20));
  await c.closed;
  await waitFor(() => proxy.requestLogs().length === 1, 2000, 'the request log line');
  t.match(proxy.requestLogs()[0], { status: 413 });
  t.equal(upstream.requests.length, 0);
});

t.test('§3 Expect: 100-continue under the limit: 100 Continue, then the normal answer', async (t) => {
  const { upstream, proxy, host, c } = await proxyAndSocket(t);
  c.socket.write(`POST /mcp HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: ${CALL.length}\r\n\r\n`);
  t.ok(await c.until(/^HTTP\/1\.1 100 Continue\r\n\r\n/, 3000), '100 Continue first');
  c.socket.write(CALL);
  t.ok(await c.until(/HTTP\/1\.1 200 .*"id":7/s, 3000), 'then the upstream\'s answer');
  t.equal(upstream.requests.length, 1);
  t.equal(upstream.requests[0]!.body.toString(), CALL, 'the body forwarded as sent');
  t.notOk('expect' in upstream.requests[0]!.headers, 'Expect is not forwarded');
});
