// SPEC §10 list filtering inside event streams, event by event: events that carry no list answer
// pass byte for byte; at most one event is held; the answer is found however the chunks fall
// (CRLF split across chunks, data split over several lines); a lone CR is written back as LF so
// line-splitting clients of either kind read what was judged; frames smuggling a result and
// events over the bound are replaced by an error, never passed on.
import t from 'tap';
import { editListAnswer, type ListEdit } from '../../../src/mcp/listAnswer.js';
import { SseListFilter } from '../../../src/proxy/sseListFilter.js';

/** Keeps tools whose name does not start with "secret". */
const HIDE: ListEdit = {
  editList(kind, result) {
    const items = result[kind] as { name: string }[];
    const kept = items.filter((i) => !i.name.startsWith('secret'));
    if (kept.length === items.length) return false;
    result[kind] = kept;
    return true;
  },
};

const LIST = JSON.stringify({ jsonrpc: '2.0', id: 7, result: { tools: [{ name: 'a' }, { name: 'secret-b' }], nextCursor: 'c' } });
const FILTERED = JSON.stringify({ jsonrpc: '2.0', id: 7, result: { tools: [{ name: 'a' }], nextCursor: 'c' } });

function run(chunks: (string | Buffer)[], max?: number): string {
  const f = new SseListFilter([HIDE], 'tools', 7, max);
  const out: Buffer[] = [];
  for (const c of chunks) {
    const b = f.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
    if (b) out.push(b);
  }
  const rest = f.flush();
  if (rest) out.push(rest);
  return Buffer.concat(out).toString();
}

t.test('an answer is rewritten; other events pass byte for byte', async (t) => {
  const note = 'event: message\ndata: {"jsonrpc":"2.0","method":"notifications/progress","params":{}}\n\n';
  const stream = `${note}id: 1\ndata: ${LIST}\n\n: comment\n\n`;
  t.equal(run([stream]), `${note}id: 1\ndata: ${FILTERED}\n\n: comment\n\n`);
});

t.test('however the chunks fall: byte by byte, CRLF split, data over several lines', async (t) => {
  // Split between two JSON tokens: the LF that joins data lines is whitespace there.
  const half = LIST.indexOf('"result"');
  const stream = `id: 1\r\ndata: ${LIST.slice(0, half)}\r\ndata: ${LIST.slice(half)}\r\n\r\n`;
  const byByte = run([...Buffer.from(stream)].map((b) => Buffer.from([b])));
  // data lines are joined with LF; the edited answer is one data line
  t.equal(byByte, `id: 1\ndata: ${FILTERED}\n\n`);
  const splitCrlf = stream.indexOf('\r\n\r\n') + 1;
  t.equal(run([stream.slice(0, splitCrlf), stream.slice(splitCrlf)]), `id: 1\ndata: ${FILTERED}\n\n`);
});

t.test('a lone CR ends a line for the judge, and is written back as LF', async (t) => {
  // A WHATWG parser reads `id: 1` then `data: <list>`; an LF-only one would read no data at all.
  t.equal(run([`id: 1\rdata: ${LIST}\n\n`]), `id: 1\ndata: ${FILTERED}\n\n`);
  // An event with a lone CR and nothing to change is normalised too.
  t.equal(run(['event: ping\rdata: x\n\n']), 'event: ping\ndata: x\n\n');
});

t.test('a leading BOM is dropped as clients drop it', async (t) => {
  t.equal(run([Buffer.from([0xef]), Buffer.from([0xbb, 0xbf]), `data: ${LIST}\n\n`]), `data: ${FILTERED}\n\n`);
});

t.test('an unterminated last event is judged too', async (t) => {
  t.equal(run([`data: ${LIST}`]), `data: ${FILTERED}\n\n`);
});

t.test('an event over the bound is replaced by an error; the stream goes on', async (t) => {
  const big = `data: ${'x'.repeat(200)}\n\n`;
  const out = run([big.slice(0, 100), big.slice(100), `data: ${LIST}\n\n`], 64);
  t.equal(out, `data: {"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"internal error"}}\n\ndata: ${FILTERED}\n\n`);
});

t.test('frames that smuggle a result fail closed', async (t) => {
  const cases = [
    JSON.stringify([{ jsonrpc: '2.0', id: 7, result: { tools: [] } }]),
    JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'x', result: { tools: [] } }),
    JSON.stringify({ jsonrpc: '2.0', id: 7, error: { code: 1, message: 'm' }, result: { tools: [{ name: 'secret' }] } }),
  ];
  for (const c of cases) t.strictSame(editListAnswer(c, [HIDE], 'tools', 7), { text: '{"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"internal error"}}', failed: true }, c);
  t.equal(editListAnswer(JSON.stringify({ jsonrpc: '2.0', id: 7, error: { code: 1, message: 'm' }, result: null }), [HIDE], 'tools', 7), null, 'an error with a null result passes');
  t.equal(editListAnswer('not json', [HIDE], 'tools', 7), null);
  // A named failed event loses its name, so SDK clients dispatch the error as a message.
  t.equal(run([`event: custom\ndata: ${cases[0]}\n\n`]), 'data: {"jsonrpc":"2.0","id":7,"error":{"code":-32603,"message":"internal error"}}\n\n');
});

t.test('by shape on streams whose requests are unknown', async (t) => {
  const prompts = JSON.stringify({ jsonrpc: '2.0', id: 3, result: { prompts: [{ name: 'secret' }, { name: 'p' }] } });
  t.strictSame(JSON.parse(editListAnswer(prompts, [HIDE], null, undefined)!.text).result.prompts, [{ name: 'p' }]);
  t.equal(editListAnswer(JSON.stringify({ jsonrpc: '2.0', id: 3, result: { content: [] } }), [HIDE], null, undefined), null);
});

t.test('edits run innermost first: the last pushed sees the answer first', async (t) => {
  const seen: string[] = [];
  const mark = (name: string): ListEdit => ({ editList: () => (seen.push(name), false) });
  editListAnswer(LIST, [mark('tool-filter'), mark('authorization')], 'tools', 7);
  t.strictSame(seen, ['authorization', 'tool-filter']);
});
