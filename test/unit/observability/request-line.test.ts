// §8 the request log line is built by hand (src/observability/requestLog.ts: pino's generic
// serialiser was the dearest part of the log); it must stay byte for byte the line pino writes for
// the same fields, so that nothing reading the logs can tell the difference.

import { Writable } from 'node:stream';
import pino from 'pino';
import t from 'tap';
import { hundredths, jsonString, RequestLog, RequestLogFields, requestLine } from '../../../src/observability/requestLog.js';
import { createLogger } from '../../../src/observability/logger.js';
import type { RequestContext } from '../../../src/chain/types.js';

function context(over: Record<string, unknown> = {}, res: Record<string, unknown> = {}): RequestContext {
  return {
    httpMethod: 'POST',
    url: '/mcp?token=secret',
    clientIp: '127.0.0.1',
    startNs: process.hrtime.bigint() - 1_234_567n,
    principal: null,
    mcp: { method: 'tools/call', resourceId: 'echo', id: 7, kind: 'request' },
    rejectedBy: undefined,
    reason: undefined,
    patches: undefined,
    res: { statusCode: 200, writableFinished: true, ...res },
    ...over,
  } as unknown as RequestContext;
}

/** A destination that keeps every chunk written to it, one string per write. */
function collector(): { sink: Writable; chunks: string[] } {
  const chunks: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  });
  return { sink, chunks };
}

/** What pino itself writes for the fields, with the base and time of the hand-built line. */
function pinoLine(fields: RequestLogFields, time: number, pid: number): string {
  const { sink, chunks } = collector();
  pino({ level: 'info', base: { pid }, timestamp: () => `,"time":${time}` }, sink).info(fields, 'request');
  return chunks.join('');
}

const turnEnd = (): Promise<void> => new Promise((r) => setImmediate(r));

const cases: Array<[string, RequestContext]> = [
  ['a plain tools/call', context()],
  ['an authenticated caller refused by a stage', context({ principal: { sub: 'ålice "the" admin\\' }, rejectedBy: 'rate-limit', reason: 'bucket tool:echo is empty\n\u0000\u2028' }, { statusCode: 429 })],
  ['a string id, an aborted response', context({ mcp: { method: 'tools/call', resourceId: 'tool with "quotes"', id: 'abc-\u00e9', kind: 'request' } }, { writableFinished: false, statusCode: 200 })],
  ['a null id, not a tools/call', context({ mcp: { method: 'tools/list', resourceId: undefined, id: null, kind: 'request' } })],
  ['no MCP message (a GET)', context({ httpMethod: 'GET', url: '/mcp', mcp: null }, { statusCode: 405 })],
  ['a patched request', context({ patches: [{ webhook: 'w', op: 'replace', path: '/params/arguments/x' }, { webhook: 'w2', op: 'move', path: '/a', from: '/b' }] })],
];

for (const [name, ctx] of cases) {
  t.test(`§8 the request line equals pino's: ${name}`, async (t) => {
    const fields = new RequestLogFields(ctx);
    const time = 1_795_000_000_123;
    const mine = requestLine(fields, time, 4242);
    t.equal(mine, pinoLine(fields, time, 4242));
    const parsed = JSON.parse(mine) as Record<string, unknown>;
    t.equal(parsed['path'], ctx.url.split('?')[0], 'the query string is never logged');
    t.equal(parsed['msg'], 'request');
  });
}

t.test('§8 a lone surrogate in a reason is kept escaped (pino would write U+FFFD)', async (t) => {
  const fields = new RequestLogFields(context({ rejectedBy: 'parser', reason: 'bad \ud800 text' }, { statusCode: 400 }));
  const mine = requestLine(fields, 1, 1);
  t.match(mine, /"reason":"bad \\ud800 text"/);
  t.equal((JSON.parse(mine) as { reason: string }).reason, 'bad \ud800 text');
  t.ok(pinoLine(fields, 1, 1).includes('"reason":"bad \ufffd text"'), 'pino writes the raw surrogate, which UTF-8 turns into U+FFFD');
});

t.test('§8 RequestLog writes the hand-built line to the process logger\'s destination', async (t) => {
  const { sink, chunks: lines } = collector();
  const log = new RequestLog(createLogger({ level: 'info', destination: sink }));
  log.write(context());
  await turnEnd();
  t.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  t.match(line, { level: 30, pid: process.pid, method: 'POST', path: '/mcp', status: 200, tool: 'echo', rpcId: 7, msg: 'request' });
  t.type(line['time'], 'number');
  t.ok(Math.abs((line['time'] as number) - Date.now()) < 5000, 'time is now, in ms');
});

t.test('§8 at warn the request log builds and writes nothing', async (t) => {
  const { sink, chunks } = collector();
  new RequestLog(createLogger({ level: 'warn', destination: sink })).write(context());
  await turnEnd();
  t.same(chunks, []);
});

t.test('§8 the lines of one event-loop turn reach the destination as one write, in order; the next turn\'s in another', async (t) => {
  const { sink, chunks } = collector();
  const log = new RequestLog(createLogger({ level: 'info', destination: sink }));
  for (const id of [1, 2, 3]) log.write(context({ mcp: { method: 'tools/call', resourceId: 'echo', id, kind: 'request' } }));
  t.same(chunks, [], 'nothing written before the turn ends');
  await turnEnd();
  t.equal(chunks.length, 1, 'one write for the turn');
  t.same(chunks[0]!.trimEnd().split('\n').map((l) => (JSON.parse(l) as { rpcId: number }).rpcId), [1, 2, 3]);
  log.write(context({ mcp: { method: 'tools/call', resourceId: 'echo', id: 4, kind: 'request' } }));
  await turnEnd();
  t.equal(chunks.length, 2, 'the next turn: its own write');
  t.equal((JSON.parse(chunks[1]!) as { rpcId: number }).rpcId, 4);
});

t.test('§8 jsonString quotes plain ASCII as it is and leaves everything else to JSON.stringify', async (t) => {
  const samples = ['', 'POST', '/mcp', '127.0.0.1', 'tools/call', 'a"b', 'a\\b', 'tab\there', 'nl\n', '\u0000', '\u007f', 'é', '日本', '\u2028', '\ud800', 'x\udc00y', '😀', '~ !#$%&\'()*+,-./:;<=>?@[]^_`{|}'];
  // (messages by index: a raw U+2028 in a TAP message would break the TAP stream)
  samples.forEach((s, i) => t.equal(jsonString(s), JSON.stringify(s), `sample ${i}`));
});

t.test('§8 durations print as JavaScript prints hundredths / 100', async (t) => {
  let mismatches = 0;
  for (let h = 0; h < 200_000; h++) if (hundredths(h) !== String(h / 100)) mismatches++;
  for (const h of [1e6, 123_456_789, 99_999_999_999, 3_600_000_00 + 7]) t.equal(hundredths(h), String(h / 100), String(h));
  t.equal(mismatches, 0, 'every duration below 2 000 ms');
});

t.test('§8 the request line is the same whatever the previous line (cached time and pid)', async (t) => {
  const fields = new RequestLogFields(context());
  const a = requestLine(fields, 1000, 1);
  requestLine(fields, 2000, 2);
  t.equal(requestLine(fields, 1000, 1), a);
  t.equal(requestLine(fields, 1000, 3), pinoLine(fields, 1000, 3), 'another pid, the same time');
  t.equal(requestLine(fields, 1001, 3), pinoLine(fields, 1001, 3), 'the same pid, another time');
});
