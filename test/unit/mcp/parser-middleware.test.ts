import t from 'tap';
import { createMcpParserMiddleware } from '../../../src/mcp/parserMiddleware.js';
import { isIdentityEncoding, isJsonMediaType } from '../../../src/mcp/mediaType.js';
import { Rejection } from '../../../src/errors.js';
import { makeContext, visible } from './context.js';

const parser = createMcpParserMiddleware();
const CALL = '{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"search","arguments":{"q":"x"}}}';

t.test('the stage is named "parser"', async (t) => {
  t.equal(parser.name, 'parser');
});

t.test('§3 Content-Type media type must be application/json (case-insensitive, parameters allowed)', async (t) => {
  const accepted = ['application/json', 'Application/JSON; charset=utf-8', ' application/json ;charset=UTF-8', 'APPLICATION/JSON;foo=bar'];
  const refused = [undefined, '', 'text/plain', 'application/json-seq', 'application/jsonx', 'application/vnd.api+json', 'text/json', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded'];
  for (const ct of accepted) t.ok(isJsonMediaType(ct), `accepts ${JSON.stringify(ct)}`);
  for (const ct of refused) t.notOk(isJsonMediaType(ct), `refuses ${JSON.stringify(ct)}`);

  for (const ct of accepted) {
    const ctx = makeContext({ headers: { 'content-type': ct }, body: CALL });
    t.equal(parser.handle(ctx), undefined, `POST with ${ct} continues`);
    t.equal(ctx.mcp?.resourceId, 'search');
  }
  for (const ct of refused) {
    const ctx = makeContext({ headers: ct === undefined ? {} : { 'content-type': ct }, body: CALL });
    const r = parser.handle(ctx) as Rejection;
    t.ok(r instanceof Rejection, `POST with ${JSON.stringify(ct)} is refused`);
    t.equal(r.kind, 'UNSUPPORTED_MEDIA_TYPE');
    t.same(visible(r), { status: 415, body: { jsonrpc: '2.0', error: { code: -32600, message: r.message } } }, 'no id: the body was not parsed');
    t.equal(ctx.mcp, null);
  }
});

t.test('§3 a Content-Encoding other than identity is answered 415', async (t) => {
  t.ok(isIdentityEncoding(undefined));
  for (const ce of ['', 'identity', 'IDENTITY', ' identity ']) {
    t.ok(isIdentityEncoding(ce), `accepts ${JSON.stringify(ce)}`);
    const ctx = makeContext({ headers: { 'content-type': 'application/json', 'content-encoding': ce }, body: CALL });
    t.equal(parser.handle(ctx), undefined);
  }
  for (const ce of ['gzip', 'br', 'deflate', 'identity, gzip', 'gzip, identity', 'x-custom']) {
    t.notOk(isIdentityEncoding(ce), `refuses ${ce}`);
    const ctx = makeContext({ headers: { 'content-type': 'application/json', 'content-encoding': ce }, body: CALL });
    const r = parser.handle(ctx) as Rejection;
    t.equal(r.kind, 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${ce}`);
    t.equal(r.status, 415);
  }
  t.notOk(isIdentityEncoding(['identity', 'gzip']), 'a repeated header counts every value');
});

t.test('§3 only POST bodies are parsed; GET and DELETE without a body continue with no message', async (t) => {
  for (const method of ['GET', 'DELETE', 'OPTIONS', 'HEAD']) {
    for (const body of [null, '']) {
      const ctx = makeContext({ method, headers: { accept: 'text/event-stream' }, body });
      t.equal(parser.handle(ctx), undefined, `${method} ${body === null ? 'without' : 'with an empty'} body`);
      t.equal(ctx.mcp, null);
    }
  }
});

t.test('§3 a body on a method other than POST is refused: it would be forwarded unjudged', async (t) => {
  for (const method of ['GET', 'DELETE', 'PUT', 'PATCH']) {
    const ctx = makeContext({ method, body: CALL });
    const r = parser.handle(ctx) as Rejection;
    t.ok(r instanceof Rejection, method);
    t.same(visible(r), { status: 400, body: { jsonrpc: '2.0', error: { code: -32600, message: 'Invalid Request' } } });
  }
});

t.test('§3 §7 body rejections carry status, code and the parsed id', async (t) => {
  const cases = [
    { name: 'POST with no body at all', body: null, status: 400, code: -32700, id: undefined },
    { name: 'empty body', body: '', status: 400, code: -32700, id: undefined },
    { name: 'invalid JSON', body: '{nope', status: 400, code: -32700, id: undefined },
    { name: 'batch', body: `[${CALL}]`, status: 400, code: -32600, id: undefined },
    { name: 'bad params with id', body: '{"jsonrpc":"2.0","id":"r-9","method":"tools/call","params":[1]}', status: 400, code: -32600, id: 'r-9' },
  ];
  for (const c of cases) {
    const ctx = makeContext({ body: c.body, trace: true });
    const r = parser.handle(ctx) as Rejection;
    t.ok(r instanceof Rejection, c.name);
    const { status, body } = visible(r);
    t.equal(status, c.status, `${c.name}: status`);
    t.equal((body['error'] as { code: number }).code, c.code, `${c.name}: code`);
    t.equal(body['id'], c.id, `${c.name}: id`);
    t.equal('id' in body, c.id !== undefined, `${c.name}: id member present only when parsed`);
    t.match(ctx.note?.summary, /^rejected: /, `${c.name}: dry-run note says why`);
    t.equal(ctx.mcp, null);
  }
});

t.test('§3 sets ctx.mcp and never touches ctx.body (bytes forwarded = bytes judged)', async (t) => {
  const body = Buffer.from(CALL);
  const copy = Buffer.from(body);
  const ctx = makeContext({ body });
  t.equal(parser.handle(ctx), undefined);
  t.equal(ctx.body, body, 'same Buffer object');
  t.ok(body.equals(copy), 'same bytes');
  t.same(ctx.mcp, { kind: 'request', method: 'tools/call', id: 11, params: { name: 'search', arguments: { q: 'x' } }, resourceId: 'search', arguments: { q: 'x' }, meta: undefined });
  t.equal(ctx.note, null, 'nothing formatted when not tracing');
});

t.test('§1 dry-run notes: one line per message kind', async (t) => {
  const cases = [
    { body: CALL, summary: 'tools/call "search"' },
    { body: '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"clientInfo":{"name":"claude","version":"1"}}}', summary: 'initialize "claude"' },
    { body: '{"jsonrpc":"2.0","method":"notifications/initialized"}', summary: 'notifications/initialized (notification)' },
    { body: '{"jsonrpc":"2.0","id":"s1","result":{}}', summary: 'response (forwarded without checks)' },
  ];
  for (const c of cases) {
    const ctx = makeContext({ body: c.body, trace: true });
    t.equal(parser.handle(ctx), undefined);
    t.equal(ctx.note?.summary, c.summary);
    t.equal(ctx.note?.facts?.['kind'], ctx.mcp?.kind);
  }
  const get = makeContext({ method: 'GET', body: null, trace: true });
  parser.handle(get);
  t.equal(get.note?.summary, 'GET: no body to parse');
});
