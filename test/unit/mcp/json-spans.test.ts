// Member value spans and splicing (src/mcp/jsonSpans.ts): one value replaced, every other byte kept.
import t from 'tap';
import { memberValueSpan, replaceMembers } from '../../../src/mcp/jsonSpans.js';

const slice = (text: string, path: string[]): string | undefined | null => {
  const s = memberValueSpan(text, path);
  return s === undefined || s === null ? s : text.slice(s.start, s.end);
};

t.test('finds values of every kind, at any position, past whitespace and nested noise', async (t) => {
  const text = ' { "a" : 1.50 , "b":"x\\"}y", "c" : {"d": [1,{"e":"}"}], "e" :  {"f":12345678901234567890}} ,"id":9007199254740993 }';
  t.equal(slice(text, ['a']), '1.50');
  t.equal(slice(text, ['b']), '"x\\"}y"');
  t.equal(slice(text, ['c', 'e', 'f']), '12345678901234567890');
  t.equal(slice(text, ['c', 'e']), '{"f":12345678901234567890}');
  t.equal(slice(text, ['c', 'd']), '[1,{"e":"}"}]');
  t.equal(slice(text, ['id']), '9007199254740993');
  t.equal(slice(text, ['e']), undefined, 'only top-level members at the first step');
  t.equal(slice(text, ['c', 'd', 'e']), undefined, 'arrays are not on a member path');
  t.equal(slice(text, ['zz']), undefined);
  t.equal(slice('[1]', ['a']), undefined);
  t.equal(slice('{}', ['a']), undefined);
  t.equal(slice('{"a":null,"b":true}', ['b']), 'true');
  t.equal(slice('{"\\u0069d":7}', ['id']), '7', 'an escaped name is matched by its value');
});

t.test('a repeated name on the path is ambiguous; off the path it does not matter', async (t) => {
  t.equal(memberValueSpan('{"id":1,"id":2}', ['id']), null);
  t.equal(memberValueSpan('{"params":{"a":1},"params":{"a":2}}', ['params', 'a']), null);
  t.equal(slice('{"x":1,"x":2,"id":3}', ['id']), '3');
  t.equal(memberValueSpan('{"p":{"t":1,"t":2}}', ['p', 't']), null);
});

t.test('replaceMembers keeps every other byte', async (t) => {
  const text = '{"jsonrpc":"2.0", "id": 9007199254740993,"method":"tools/call","params":{"arguments":{"n":12345678901234567890,"f":1e400},"_meta":{"progressToken":"tok"}}}';
  const out = replaceMembers(text, [
    [['id'], '17'],
    [['params', '_meta', 'progressToken'], '17'],
  ]);
  t.equal(out, '{"jsonrpc":"2.0", "id": 17,"method":"tools/call","params":{"arguments":{"n":12345678901234567890,"f":1e400},"_meta":{"progressToken":17}}}');
  t.equal(replaceMembers('{"a":1}', [[['b'], '2']]), '{"a":1}', 'an absent path is left alone');
  t.equal(replaceMembers('{"id":1,"id":2}', [[['id'], '3']]), undefined, 'ambiguous');
});

t.test('deep nesting off the path does not recurse', async (t) => {
  const deep = `{"result":${'['.repeat(100_000)}${']'.repeat(100_000)},"id":5}`;
  t.equal(slice(deep, ['id']), '5');
});
