import t from 'tap';
import { readFileSync } from 'node:fs';
import { REJECTIONS, Rejection, EXIT, ThvError } from '../../../src/errors.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

t.test('§7 docs/errors.md lists every rejection kind with its status, code and message', async (t) => {
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    if (cells.length > 5 && /^[A-Z_]+$/.test(cells[1] ?? '')) rows.set(cells[1]!, cells.slice(2, 5));
  }
  t.same([...rows.keys()].sort(), Object.keys(REJECTIONS).sort(), 'same kinds in doc and code');
  for (const [kind, def] of Object.entries(REJECTIONS)) {
    t.same(rows.get(kind), [String(def.status), String(def.code), def.message], kind);
  }
});

t.test('§7 SPEC table rows have the contract status and JSON-RPC code', async (t) => {
  const spec: [keyof typeof REJECTIONS, number, number][] = [
    ['BODY_TOO_LARGE', 413, -32600],
    ['HOST_NOT_ALLOWED', 403, -32600],
    ['UNSUPPORTED_MEDIA_TYPE', 415, -32600],
    ['PARSE_ERROR', 400, -32700],
    ['BATCH_NOT_SUPPORTED', 400, -32600],
    ['RATE_LIMITED', 429, -32029],
    ['WEBHOOK_DENIED', 403, 403],
    ['UPSTREAM_UNREACHABLE', 502, -32603],
    ['UPSTREAM_TIMEOUT', 504, -32603],
  ];
  for (const [kind, status, code] of spec) {
    t.equal(REJECTIONS[kind].status, status, `${kind} status`);
    t.equal(REJECTIONS[kind].code, code, `${kind} code`);
  }
});

t.test('§7 body is a JSON-RPC error with the id when parsed and without it otherwise', async (t) => {
  t.same(JSON.parse(new Rejection('PARSE_ERROR', undefined).body()), {
    jsonrpc: '2.0',
    error: { code: -32700, message: 'Parse error' },
  });
  t.notOk('id' in JSON.parse(new Rejection('PARSE_ERROR', undefined).body()), 'no id member');
  t.same(JSON.parse(new Rejection('WEBHOOK_DENIED', 'a"b').body()), {
    jsonrpc: '2.0',
    id: 'a"b',
    error: { code: 403, message: 'Request denied by policy' },
  });
  t.equal(JSON.parse(new Rejection('WEBHOOK_DENIED', null).body()).id, null, 'null id kept');
  const limited = new Rejection('RATE_LIMITED', 7, {
    headers: { 'retry-after': '3' },
    data: { retryAfterSeconds: 3, scope: 'tool:search' },
  });
  t.equal(
    limited.body(),
    '{"jsonrpc":"2.0","id":7,"error":{"code":-32029,"message":"Rate limit exceeded","data":{"retryAfterSeconds":3,"scope":"tool:search"}}}',
  );
  t.same(limited.response().headers, { 'content-type': 'application/json', 'retry-after': '3', 'content-length': String(Buffer.byteLength(limited.body())) });
});

t.test('§1 every CLI fault maps to its exit code', async (t) => {
  t.equal(new ThvError('THV_ERR_CONFIG', 'x').exitCode, EXIT.CONFIG_INVALID);
  t.equal(new ThvError('THV_ERR_USAGE', 'x').exitCode, EXIT.USAGE);
  t.equal(new ThvError('THV_ERR_REDIS_UNREACHABLE', 'x').exitCode, EXIT.DEPENDENCY_FAILED);
  t.equal(new ThvError('THV_ERR_PORT_IN_USE', 'x').exitCode, EXIT.DEPENDENCY_FAILED);
  t.equal(new ThvError('THV_ERR_UPSTREAM_START', 'x').exitCode, EXIT.DEPENDENCY_FAILED);
  t.same(new ThvError('THV_ERR_CONFIG', 'bad', ['a', 'b']).lines, ['a', 'b']);
});
