import t from 'tap';
import { parseMcpMessage, describeMessage } from '../../../src/mcp/parser.js';
import { Rejection } from '../../../src/errors.js';
import type { McpMessage } from '../../../src/mcp/types.js';
import { visible } from './context.js';

const j = (v: unknown): Buffer => Buffer.from(JSON.stringify(v));

t.test('§3 extracts method, id, params, resource id, arguments and _meta', async (t) => {
  const cases: Array<{ name: string; body: Buffer; want: Partial<McpMessage>; line: string }> = [
    {
      name: 'tools/call -> params.name, params.arguments',
      body: j({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'search', arguments: { q: 'x' }, _meta: { progressToken: 'p1' } } }),
      want: { kind: 'request', method: 'tools/call', id: 7, resourceId: 'search', arguments: { q: 'x' }, meta: { progressToken: 'p1' } },
      line: 'tools/call "search"',
    },
    {
      name: 'prompts/get -> params.name',
      body: j({ jsonrpc: '2.0', id: 'a', method: 'prompts/get', params: { name: 'greet', arguments: { who: 'me' } } }),
      want: { kind: 'request', method: 'prompts/get', id: 'a', resourceId: 'greet', arguments: undefined, meta: undefined },
      line: 'prompts/get "greet"',
    },
    {
      name: 'resources/read -> params.uri',
      body: j({ jsonrpc: '2.0', id: 1, method: 'resources/read', params: { uri: 'file:///a.txt' } }),
      want: { kind: 'request', method: 'resources/read', resourceId: 'file:///a.txt' },
      line: 'resources/read "file:///a.txt"',
    },
    {
      name: 'resources/subscribe -> params.uri',
      body: j({ jsonrpc: '2.0', id: 2, method: 'resources/subscribe', params: { uri: 'test://r/1' } }),
      want: { method: 'resources/subscribe', resourceId: 'test://r/1' },
      line: 'resources/subscribe "test://r/1"',
    },
    {
      name: 'resources/unsubscribe -> params.uri',
      body: j({ jsonrpc: '2.0', id: 3, method: 'resources/unsubscribe', params: { uri: 'test://r/1' } }),
      want: { method: 'resources/unsubscribe', resourceId: 'test://r/1' },
      line: 'resources/unsubscribe "test://r/1"',
    },
    {
      name: 'initialize -> params.clientInfo.name',
      body: j({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'claude', version: '1' } } }),
      want: { kind: 'request', method: 'initialize', id: 0, resourceId: 'claude' },
      line: 'initialize "claude"',
    },
    {
      name: 'tools/list has no resource id',
      body: j({ jsonrpc: '2.0', id: 4, method: 'tools/list' }),
      want: { kind: 'request', method: 'tools/list', id: 4, params: undefined, resourceId: undefined, arguments: undefined, meta: undefined },
      line: 'tools/list',
    },
    {
      name: 'notification: method without id',
      body: j({ jsonrpc: '2.0', method: 'notifications/initialized' }),
      want: { kind: 'notification', method: 'notifications/initialized', id: undefined },
      line: 'notifications/initialized (notification)',
    },
    {
      name: 'params: null is read as absent',
      body: j({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: null }),
      want: { kind: 'request', params: undefined, resourceId: undefined, arguments: undefined },
      line: 'tools/call',
    },
    {
      name: 'a non-string name gives no resource id',
      body: j({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 42 } }),
      want: { resourceId: undefined },
      line: 'tools/call',
    },
    {
      name: 'response with result (client answering a sampling request)',
      body: j({ jsonrpc: '2.0', id: 'srv-1', result: { content: [] } }),
      want: { kind: 'response', method: undefined, id: 'srv-1', params: undefined },
      line: 'response (forwarded without checks)',
    },
    {
      name: 'error response',
      body: j({ jsonrpc: '2.0', id: 9, error: { code: -1, message: 'no' } }),
      want: { kind: 'response', method: undefined, id: 9 },
      line: 'response (forwarded without checks)',
    },
    {
      name: 'error response with a null id (JSON-RPC: the id could not be read)',
      body: j({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'no' } }),
      want: { kind: 'response', method: undefined, id: null },
      line: 'response (forwarded without checks)',
    },
    {
      name: 'whitespace around the object is fine',
      body: Buffer.from(' \r\n{"jsonrpc":"2.0","id":1,"method":"ping"}\n'),
      want: { kind: 'request', method: 'ping', id: 1 },
      line: 'ping',
    },
  ];
  for (const c of cases) {
    const before = Buffer.from(c.body);
    const msg = parseMcpMessage(c.body);
    if (msg instanceof Rejection) {
      t.fail(`${c.name}: rejected ${msg.kind} (${msg.reason})`);
      continue;
    }
    t.match(msg, c.want, c.name);
    for (const [k, v] of Object.entries(c.want)) t.same((msg as unknown as Record<string, unknown>)[k], v, `${c.name}: ${k}`);
    t.equal(describeMessage(msg), c.line, `${c.name}: dry-run line`);
    t.ok(c.body.equals(before), `${c.name}: body untouched`);
  }
});

t.test('§3 §7 rejects what cannot be judged, with the exact status, code and id', async (t) => {
  const cases: Array<{ name: string; body: Buffer; kind: string; status: number; code: number; id?: unknown }> = [
    { name: 'empty body', body: Buffer.alloc(0), kind: 'PARSE_ERROR', status: 400, code: -32700 },
    { name: 'whitespace only', body: Buffer.from('  \n'), kind: 'PARSE_ERROR', status: 400, code: -32700 },
    { name: 'invalid JSON', body: Buffer.from('{"jsonrpc":"2.0",'), kind: 'PARSE_ERROR', status: 400, code: -32700 },
    { name: 'trailing garbage', body: Buffer.from('{"jsonrpc":"2.0","id":1,"method":"ping"} x'), kind: 'PARSE_ERROR', status: 400, code: -32700 },
    { name: 'UTF-8 byte order mark', body: Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), j({ jsonrpc: '2.0', id: 1, method: 'ping' })]), kind: 'PARSE_ERROR', status: 400, code: -32700 },
    { name: 'invalid UTF-8 inside a string', body: Buffer.concat([Buffer.from('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"a'), Buffer.from([0xff]), Buffer.from('"}}')]), kind: 'PARSE_ERROR', status: 400, code: -32700 },
    { name: 'batch', body: j([{ jsonrpc: '2.0', id: 1, method: 'ping' }]), kind: 'BATCH_NOT_SUPPORTED', status: 400, code: -32600 },
    { name: 'empty batch', body: Buffer.from('[]'), kind: 'BATCH_NOT_SUPPORTED', status: 400, code: -32600 },
    { name: 'JSON string', body: Buffer.from('"hello"'), kind: 'INVALID_REQUEST', status: 400, code: -32600 },
    { name: 'JSON null', body: Buffer.from('null'), kind: 'INVALID_REQUEST', status: 400, code: -32600 },
    { name: 'JSON number', body: Buffer.from('42'), kind: 'INVALID_REQUEST', status: 400, code: -32600 },
    { name: 'missing jsonrpc, id echoed', body: j({ id: 3, method: 'ping' }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: 3 },
    { name: 'jsonrpc 1.0, id echoed', body: j({ jsonrpc: '1.0', id: 'x', method: 'ping' }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: 'x' },
    { name: 'object id', body: j({ jsonrpc: '2.0', id: { a: 1 }, method: 'ping' }), kind: 'INVALID_REQUEST', status: 400, code: -32600 },
    { name: 'boolean id', body: j({ jsonrpc: '2.0', id: true, method: 'ping' }), kind: 'INVALID_REQUEST', status: 400, code: -32600 },
    { name: 'array id', body: j({ jsonrpc: '2.0', id: [1], method: 'ping' }), kind: 'INVALID_REQUEST', status: 400, code: -32600 },
    { name: 'numeric method, id echoed', body: j({ jsonrpc: '2.0', id: 4, method: 5 }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: 4 },
    { name: 'array params, id echoed', body: j({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: ['search'] }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: 5 },
    { name: 'string params', body: j({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: 'search' }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: 6 },
    { name: 'no method and no result/error', body: j({ jsonrpc: '2.0', id: 7 }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: 7 },
    { name: 'result without id', body: j({ jsonrpc: '2.0', result: {} }), kind: 'INVALID_REQUEST', status: 400, code: -32600 },
    { name: 'null id echoed as null', body: j({ jsonrpc: '2.0', id: null, method: 7 }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: null },
    { name: 'null id in a request (MCP: must not be null), echoed as null', body: j({ jsonrpc: '2.0', id: null, method: 'ping' }), kind: 'INVALID_REQUEST', status: 400, code: -32600, id: null },
  ];
  for (const c of cases) {
    const r = parseMcpMessage(c.body);
    if (!(r instanceof Rejection)) {
      t.fail(`${c.name}: accepted as ${r.kind}`);
      continue;
    }
    t.equal(r.kind, c.kind, `${c.name}: kind`);
    t.ok(r.reason, `${c.name}: has a reason for logs`);
    const { status, body } = visible(r);
    t.equal(status, c.status, `${c.name}: status`);
    t.equal(body['jsonrpc'], '2.0');
    t.equal((body['error'] as { code: number }).code, c.code, `${c.name}: JSON-RPC code`);
    if ('id' in c) t.same(body['id'], c.id, `${c.name}: id echoed`);
    else t.notOk('id' in body, `${c.name}: id omitted`);
  }
});
