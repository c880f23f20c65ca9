// SPEC §6 (stdio): newline-delimited JSON-RPC framing of the child's stdout.
import t from 'tap';
import { LineFramer } from '../../../src/stdio/lineFramer.js';

function framer(maxLineBytes = 1024 * 1024) {
  const lines: string[] = [];
  const oversize: number[] = [];
  const f = new LineFramer({ maxLineBytes, onLine: (l) => lines.push(l), onOversize: (n) => oversize.push(n) });
  return { f, lines, oversize };
}

t.test('§6 stdio framing: several messages in one chunk', async (t) => {
  const { f, lines } = framer();
  f.push(Buffer.from('{"a":1}\n{"b":2}\n{"c":3}\n'));
  t.same(lines, ['{"a":1}', '{"b":2}', '{"c":3}']);
  t.equal(f.pendingBytes, 0);
});

t.test('§6 stdio framing: a message split across chunks, and a partial line held until its newline', async (t) => {
  const { f, lines } = framer();
  f.push(Buffer.from('{"jsonrpc":"2.0",'));
  f.push(Buffer.from('"id":1,"res'));
  t.same(lines, [], 'nothing before the newline');
  t.equal(f.pendingBytes, 28);
  f.push(Buffer.from('ult":{}}\n{"next"'));
  t.same(lines, ['{"jsonrpc":"2.0","id":1,"result":{}}']);
  f.push(Buffer.from(':true}\n'));
  t.same(lines, ['{"jsonrpc":"2.0","id":1,"result":{}}', '{"next":true}']);
});

t.test('§6 stdio framing: every split point of a byte stream yields the same messages (UTF-8 split mid-character too)', async (t) => {
  const text = '{"m":"héllo → 世界"}\n{"n":2}\r\n\n{"o":"x"}\n';
  const bytes = Buffer.from(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const { f, lines } = framer();
    f.push(bytes.subarray(0, cut));
    f.push(bytes.subarray(cut));
    t.same(lines, ['{"m":"héllo → 世界"}', '{"n":2}', '{"o":"x"}'], `cut at ${cut}`);
  }
});

t.test('§6 stdio framing: CRLF endings and blank lines', async (t) => {
  const { f, lines } = framer();
  f.push(Buffer.from('{"a":1}\r\n\r\n\n{"b":2}\n'));
  t.same(lines, ['{"a":1}', '{"b":2}']);
});

t.test('§6 stdio framing: a huge line in many small chunks arrives whole', async (t) => {
  const { f, lines } = framer(64 * 1024 * 1024);
  const payload = 'x'.repeat(10 * 1024 * 1024);
  const message = Buffer.from(`{"data":"${payload}"}\n`);
  for (let i = 0; i < message.length; i += 65536) f.push(message.subarray(i, i + 65536));
  t.equal(lines.length, 1);
  t.equal(lines[0]!.length, payload.length + 11);
  t.equal(JSON.parse(lines[0]!).data.length, payload.length);
});

t.test('§6 stdio framing: a line over the limit is dropped and reported; the next line is intact', async (t) => {
  const { f, lines, oversize } = framer(100);
  f.push(Buffer.from('{"ok":1}\n' + 'y'.repeat(60)));
  f.push(Buffer.from('z'.repeat(60)));
  f.push(Buffer.from('z'.repeat(60) + '\n{"ok":2}\n'));
  t.same(lines, ['{"ok":1}', '{"ok":2}']);
  t.same(oversize, [180]);
  t.equal(f.pendingBytes, 0);
});

t.test('§6 stdio framing: a last line without newline is delivered at end of stream', async (t) => {
  const { f, lines } = framer();
  f.push(Buffer.from('{"a":1}\n{"b":2}'));
  t.same(lines, ['{"a":1}']);
  f.end();
  t.same(lines, ['{"a":1}', '{"b":2}']);
});

t.test('§6 stdio framing: the chunk buffer may be reused by the stream after push', async (t) => {
  const { f, lines } = framer();
  const chunk = Buffer.from('{"first":');
  f.push(chunk);
  chunk.fill(0x20);
  f.push(Buffer.from('1}\n'));
  t.same(lines, ['{"first":1}']);
});

t.test('constructor validates its limit', async (t) => {
  t.throws(() => new LineFramer({ maxLineBytes: 0, onLine: () => undefined, onOversize: () => undefined }), /maxLineBytes/);
});
