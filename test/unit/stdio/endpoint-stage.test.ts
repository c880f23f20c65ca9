// The stdio endpoints' own checks are a stage of the chain (issue 11): route, method and a named
// session are judged before rate limiting and webhooks, and dry-run reports them.

import t from 'tap';
import { stdioEndpointStage } from '../../../src/stdio/endpointStage.js';
import { Rejection } from '../../../src/errors.js';
import { parseMcpMessage } from '../../../src/mcp/parser.js';
import type { McpMessage } from '../../../src/mcp/types.js';
import type { ProxyConfig } from '../../../src/config/types.js';
import { makeContext } from '../mcp/context.js';

function stage(proxyMode: 'streamable-http' | 'sse') {
  const config = { upstream: { kind: 'stdio', command: 'node', args: [], env: {}, proxyMode } } as unknown as ProxyConfig;
  const [compiled] = stdioEndpointStage.compile(config, () => undefined);
  return compiled!.create({} as never);
}

function ctx(method: string, url: string, body: string | null, headers: Record<string, string> = {}, live = true) {
  const c = makeContext({ method, body, headers: { host: 'localhost', 'content-type': 'application/json', ...headers }, trace: true });
  (c as { url: string }).url = url;
  if (body !== null) c.mcp = parseMcpMessage(Buffer.from(body)) as McpMessage;
  // A live request (not dry-run) is what the session check needs to see.
  if (live) (c as { req: unknown }).req = {};
  return c;
}

const CALL = '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}}';
const INIT = '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{}}';

t.test('only stdio upstreams get the stage', async (t) => {
  const http = { upstream: { kind: 'http', transport: 'streamable-http', origin: 'http://x', path: '', query: '' } } as unknown as ProxyConfig;
  t.same(stdioEndpointStage.compile(http, () => undefined), []);
});

t.test('streamable HTTP: route, method, and a session on everything but initialize', async (t) => {
  const s = stage('streamable-http');
  const cases: Array<[string, ReturnType<typeof ctx>, number | undefined]> = [
    ['initialize needs no session', ctx('POST', '/mcp', INIT), undefined],
    ['a call with its session', ctx('POST', '/mcp', CALL, { 'mcp-session-id': 's1' }), undefined],
    ['GET with a session', ctx('GET', '/mcp', null, { 'mcp-session-id': 's1' }), undefined],
    ['a call without a session', ctx('POST', '/mcp', CALL), 400],
    ['DELETE without a session', ctx('DELETE', '/mcp', null), 400],
    ['another path', ctx('POST', '/other', CALL, { 'mcp-session-id': 's1' }), 404],
    ['PUT', ctx('PUT', '/mcp', null, { 'mcp-session-id': 's1' }), 405],
    ['dry-run: no live request, the session is not asked for', ctx('POST', '/mcp', CALL, {}, false), undefined],
  ];
  for (const [what, c, status] of cases) {
    const r = s.handle(c);
    if (status === undefined) t.equal(r, undefined, what);
    else {
      t.ok(r instanceof Rejection, what);
      t.equal((r as Rejection).status, status, what);
    }
    t.ok(c.note?.summary, `${what}: dry-run note`);
  }
});

t.test('legacy SSE: GET /sse and POST /messages?sessionId=', async (t) => {
  const s = stage('sse');
  t.equal(s.handle(ctx('GET', '/sse', null)), undefined);
  t.equal(s.handle(ctx('POST', '/messages?sessionId=abc', CALL)), undefined);
  const statusOf = (c: ReturnType<typeof ctx>) => (s.handle(c) as Rejection | undefined)?.status;
  t.equal(statusOf(ctx('POST', '/messages', CALL)), 400, 'no sessionId');
  t.equal(statusOf(ctx('POST', '/messages?sessionId=%zz', CALL)), 400, 'malformed percent-encoding');
  t.equal(statusOf(ctx('POST', '/sse', CALL)), 405);
  t.equal(statusOf(ctx('GET', '/messages?sessionId=a', null)), 405);
  t.equal(statusOf(ctx('GET', '/nope', null)), 404);
});
