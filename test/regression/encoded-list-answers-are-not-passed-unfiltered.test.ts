// SPEC §10: list answers are filtered to what the principal may use; `tools_filter` hides tools.
// The defect: the client's Accept-Encoding went upstream as it was, so an upstream with
// compression middleware answered tools/list with gzip, and the proxy — unable to read it —
// passed the whole list on unfiltered (hidden tools, real names behind an override). Now the proxy
// asks for an unencoded answer whenever it has to read one, and refuses an upstream that
// compresses anyway; answers it does not read keep the client's encoding.
import t from 'tap';
import http from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { startRawUpstream } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import type { RunConfigFile } from '../../src/config/types.js';

const TOOLS = [{ name: 'visible' }, { name: 'secret' }, { name: 'echo' }];

interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** The body bytes as they came, decoded from gzip when the answer says gzip. */
  readonly text: string;
}

/** POST with `accept-encoding: gzip`, as node's fetch and the MCP SDK send it. */
function post(endpoint: string, body: string): Promise<Answer> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path: url.pathname,
        agent: false,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'accept-encoding': 'gzip' },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const text = res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
          resolve({ status: res.statusCode!, headers: res.headers, text });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function idOf(body: Buffer): unknown {
  return (JSON.parse(body.toString()) as { id?: unknown }).id ?? null;
}

/** Answers tools/list (and anything else) as JSON or SSE, gzip when asked — or always. */
function listUpstream(opts: { sse: boolean; gzip: 'when-asked' | 'always' }) {
  return (req: IncomingMessage, res: ServerResponse, body: Buffer): void => {
    const json = JSON.stringify({ jsonrpc: '2.0', id: idOf(body), result: { tools: TOOLS } });
    const text = opts.sse ? `event: message\ndata: ${json}\n\n` : json;
    const asked = String(req.headers['accept-encoding'] ?? '').includes('gzip');
    const gzip = opts.gzip === 'always' || asked;
    const bytes = gzip ? gzipSync(text) : Buffer.from(text);
    res.writeHead(200, {
      'content-type': opts.sse ? 'text/event-stream' : 'application/json',
      'content-length': String(bytes.length),
      ...(gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(bytes);
  };
}

const FILTERED: Partial<RunConfigFile> = { tools_filter: ['visible', 'say'], tools_override: { echo: { name: 'say' } } };
const LIST = '{"jsonrpc":"2.0","id":7,"method":"tools/list"}';

for (const sse of [false, true]) {
  const kind = sse ? 'SSE' : 'JSON';

  t.test(`${kind}: the proxy asks for an unencoded list answer and filters it`, async (t) => {
    const upstream = await startRawUpstream(listUpstream({ sse, gzip: 'when-asked' }));
    t.teardown(() => upstream.close());
    const proxy = await startInProcess(httpConfig(upstream.port, FILTERED));
    t.teardown(() => proxy.close(0));
    const r = await post(proxy.endpoint, LIST);
    t.equal(r.status, 200);
    t.equal(upstream.requests.at(-1)!.headers['accept-encoding'], 'identity', 'the upstream was asked for identity');
    t.equal(r.headers['content-encoding'], undefined, 'the answer reaches the client unencoded');
    t.notMatch(r.text, /secret/, 'the hidden tool is not listed');
    t.match(r.text, /"name":"say"/, 'the override renamed echo');
    t.notMatch(r.text, /"name":"echo"/);
  });

  t.test(`${kind}: an upstream that compresses anyway is refused, never passed on unfiltered`, async (t) => {
    const upstream = await startRawUpstream(listUpstream({ sse, gzip: 'always' }));
    t.teardown(() => upstream.close());
    const proxy = await startInProcess(httpConfig(upstream.port, FILTERED));
    t.teardown(() => proxy.close(0));
    const r = await post(proxy.endpoint, LIST);
    t.equal(r.status, 500);
    t.equal(r.headers['content-type'], 'application/json');
    t.equal(r.text, '{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"internal error"}}');
    t.notMatch(r.text, /secret/);
    const line = proxy.requestLogs().at(-1)!;
    t.equal(line.rejectedBy, 'proxy');
    t.match(String(line.reason), /encoded with gzip/, 'the log says why');
  });
}

t.test('an answer the proxy does not read keeps the client encoding', async (t) => {
  const upstream = await startRawUpstream(listUpstream({ sse: false, gzip: 'when-asked' }));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port, FILTERED));
  t.teardown(() => proxy.close(0));
  const r = await post(proxy.endpoint, '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"visible"}}');
  t.equal(r.status, 200);
  t.equal(upstream.requests.at(-1)!.headers['accept-encoding'], 'gzip', "the client's Accept-Encoding went upstream");
  t.equal(r.headers['content-encoding'], 'gzip', 'and the gzip answer came back as it was');
  t.match(r.text, /"id":8/);
});

t.test('without list edits a list answer passes with its encoding (nothing to filter)', async (t) => {
  const upstream = await startRawUpstream(listUpstream({ sse: false, gzip: 'when-asked' }));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port));
  t.teardown(() => proxy.close(0));
  const r = await post(proxy.endpoint, LIST);
  t.equal(upstream.requests.at(-1)!.headers['accept-encoding'], 'gzip');
  t.equal(r.headers['content-encoding'], 'gzip');
  t.match(r.text, /secret/);
});

t.test('legacy SSE: a compressed stream whose endpoint event cannot be rewritten is refused', async (t) => {
  const upstream = await startRawUpstream((req, res) => {
    const bytes = gzipSync('event: endpoint\ndata: /message?sessionId=abc\n\n');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip', 'content-length': String(bytes.length) });
    res.end(bytes);
  });
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(httpConfig(upstream.port, { transport: 'sse' }));
  t.teardown(() => proxy.close(0));
  const url = new URL(proxy.endpoint);
  const r = await new Promise<Answer>((resolve, reject) => {
    http
      .get({ host: url.hostname, port: url.port, path: '/sse', agent: false, headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString() }));
      })
      .on('error', reject);
  });
  t.equal(upstream.requests.at(-1)!.headers['accept-encoding'], 'identity');
  t.equal(r.status, 502, 'the client never gets an endpoint that points past the proxy');
  t.equal(r.headers['content-encoding'], undefined);
  t.match(r.text, /"code":-32603/);
});
