// The duplicate-member / case-collision / depth scan (src/mcp/jsonShape.ts) keeps its state in
// arrays reused between calls. These tests pin its verdicts on crafted messages, with names
// compared as Go folds them in the envelope and params only (FoldScope 'envelope', the default)
// and in every object inside params too ('params', for a chain that judges arguments), and
// compare it, over generated JSON, with a plain reference model (a Set per object, as first written).

import t from 'tap';
import { MAX_DEPTH, shapeProblem, type FoldScope } from '../../../src/mcp/jsonShape.js';

const ENVELOPE = ['jsonrpc', 'id', 'method', 'params', 'result', 'error'];
const PARAMS = ['name', 'arguments', 'uri', '_meta', 'clientInfo', 'protocolVersion', 'capabilities', 'cursor'];

/** Reference: walk the parsed-by-hand structure with a Set per object. */
function reference(text: string, fold: FoldScope = 'envelope'): string | undefined {
  type Scope = { names: Set<string>; folded: Set<string> | null; known: string[] | null } | null;
  const stack: Scope[] = [];
  let expectName = false;
  let envelopeMember: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (expectName) {
        const scope = stack[stack.length - 1]!;
        const name = JSON.parse(text.slice(i, j + 1)) as string;
        if (scope.names.has(name)) return 'dup';
        scope.names.add(name);
        if (stack.length === 1) envelopeMember = name;
        if (scope.folded !== null) {
          const lower = name.toLowerCase();
          if (scope.folded.has(lower)) return 'case';
          scope.folded.add(lower);
          const spelling = scope.known?.find((k) => k.toLowerCase() === lower);
          if (spelling !== undefined && spelling !== name) return 'case';
        }
        expectName = false;
      }
      i = j;
    } else if (c === '{') {
      if (stack.length === MAX_DEPTH) return 'deep';
      const level = stack.length + 1;
      const folds = level <= 2 || (fold === 'params' && envelopeMember === 'params');
      stack.push({ names: new Set(), folded: folds ? new Set() : null, known: level === 1 ? ENVELOPE : level === 2 ? PARAMS : null });
      expectName = true;
    } else if (c === '[') {
      if (stack.length === MAX_DEPTH) return 'deep';
      stack.push(null);
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectName = false;
    } else if (c === ',') {
      expectName = stack[stack.length - 1] !== null;
    }
  }
  return undefined;
}

function kind(problem: string | undefined): string | undefined {
  if (problem === undefined) return undefined;
  if (problem.includes('appears twice')) return 'dup';
  if (problem.includes('nested deeper')) return 'deep';
  return 'case';
}

t.test('verdicts on crafted messages', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}', undefined],
    ['{"method":"tools/list","method":"tools/call"}', 'dup'],
    ['{"method":"tools/list","Method":"tools/call"}', 'case'],
    ['{"METHOD":"tools/call"}', 'case'],
    ['{"params":{"Name":"x"}}', 'case'],
    ['{"params":{"arguments":{"Name":"x","name":"y"}}}', undefined],
    ['{"params":{"arguments":{"a":1,"a":2}}}', 'dup'],
    ['{"params":{"arguments":{"a":{"b":1},"c":{"b":2}}}}', undefined],
    ['{"a":1,"\\u0061":2}', 'dup'],
    ['[{"id":1,"method":"x"},{"id":2,"method":"y"}]', undefined],
    ['[{"id":1,"id":2}]', 'dup'],
    [`{"a":${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}}`, undefined],
    [`{"a":${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}}`, 'deep'],
  ];
  for (const [text, expected] of cases) t.equal(kind(shapeProblem(text)), expected, text.slice(0, 80));
});

t.test("FoldScope 'params': names Go folds together are refused in every object inside params, and only there", async (t) => {
  const call = (args: string): string => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"read_file","arguments":${args}}}`;
  // [text, verdict with 'envelope' (the default), verdict with 'params']
  const cases: Array<[string, string | undefined, string | undefined]> = [
    [call('{"path":"/tmp/ok"}'), undefined, undefined],
    [call('{"path":"/tmp/ok","PATH":"/etc/shadow"}'), undefined, 'case'],
    [call('{"PATH":"/etc/shadow","path":"/tmp/ok"}'), undefined, 'case'],
    [call('{"opts":{"Mode":"a","mode":"b"}}'), undefined, 'case'],
    [call('{"a":[[{"x":{"Deep":1,"deep":2}}]]}'), undefined, 'case'],
    [call('{"\u017fize":1,"size":2}'), undefined, 'case'],
    [call('{"\u03c2":1,"\u03c3":2}'), undefined, 'case'],
    [call('{"p\\u0061th":1,"P\\u0041TH":2}'), undefined, 'case'],
    [call('{"path":1,"path":2}'), 'dup', 'dup'],
    [call('{"a_b":1,"ab":2}'), undefined, undefined],
    [call('{"\u0131d":1,"id":2}'), undefined, undefined],
    [call('{"Mode":{"mode":1},"mode2":{"Mode":2}}'), undefined, undefined],
    ['{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":1,"ProgressToken":2}}}', undefined, 'case'],
    // outside params a Go server reads no struct the chain judged: a response's result, an error's data
    ['{"jsonrpc":"2.0","id":1,"result":{"content":[{"Type":"text","type":"text"}]}}', undefined, undefined],
    ['{"jsonrpc":"2.0","id":1,"error":{"code":1,"message":"m","data":{"A":1,"a":2}}}', undefined, undefined],
    ['{"jsonrpc":"2.0","id":1,"result":{"x":{"A":1,"a":2}},"method":"m","params":{"y":{"b":1}}}', undefined, undefined],
    ['{"jsonrpc":"2.0","id":1,"method":"m","params":{"y":{"b":1}},"result":{"x":{"A":1,"a":2}}}', undefined, undefined],
    // the envelope and params themselves, as before
    ['{"method":"tools/list","Method":"tools/call"}', 'case', 'case'],
    ['{"params":{"Name":"x"}}', 'case', 'case'],
  ];
  for (const [text, envelope, params] of cases) {
    t.equal(kind(shapeProblem(text)), envelope, `envelope: ${text}`);
    t.equal(kind(shapeProblem(text, 'params')), params, `params: ${text}`);
  }
  t.match(shapeProblem(call('{"path":"/tmp/ok","PATH":"/etc/shadow"}'), 'params'), /^members "PATH" and another differ only in case \(as Go reads names\)$/);
});

t.test("FoldScope 'params' past the small-object scan, and state that does not leak between scopes", async (t) => {
  const members = Array.from({ length: 40 }, (_, i) => `"k${i}":${i}`);
  const big = (extra: string): string => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{"o":{${members.join(',')}${extra}}}}}`;
  t.equal(shapeProblem(big(',"K39x":1'), 'params'), undefined);
  t.equal(kind(shapeProblem(big(',"K39":1'), 'params')), 'case', 'case folding past 16 members deep inside params');
  t.equal(shapeProblem(big(',"K39":1')), undefined, 'not with the default scope');
  t.equal(shapeProblem(big(',"K39":1')), undefined, 'a refused message leaves nothing behind');
});

t.test('an object of many members (past the small-object scan) is judged like a small one', async (t) => {
  const members = Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`);
  t.equal(shapeProblem(`{"params":{"arguments":{${members.join(',')}}}}`), undefined);
  t.equal(kind(shapeProblem(`{"params":{"arguments":{${members.join(',')},"k4999":0}}}`)), 'dup');
  const envelope = Array.from({ length: 40 }, (_, i) => `"x${i}":${i}`);
  t.equal(kind(shapeProblem(`{${envelope.join(',')},"X39":1}`)), 'case', 'case folding past 16 members on level 1');
  // state of a refused message never leaks into the next one
  t.equal(shapeProblem('{"k1":1,"k2":2}'), undefined);
  t.equal(shapeProblem('{"params":{"arguments":{"k1":1}}}'), undefined);
});

t.test('agrees with the reference model on generated JSON', async (t) => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const keys = ['a', 'A', 'b', 'name', 'Name', 'method', 'Method', 'id', 'params', 'arguments', 'x\\"y', '\\u0061', 'k'];
  const gen = (depth: number): string => {
    const r = rnd(10);
    if (depth > 5 || r < 3) return String(rnd(100));
    if (r < 4) return '"s"';
    if (r < 6) return `[${Array.from({ length: rnd(4) }, () => gen(depth + 1)).join(',')}]`;
    const n = rnd(depth === 0 ? 25 : 6);
    return `{${Array.from({ length: n }, () => `"${keys[rnd(keys.length)]}${rnd(3) === 0 ? rnd(20) : ''}":${gen(depth + 1)}`).join(',')}}`;
  };
  const refused = { envelope: 0, params: 0 };
  for (const fold of ['envelope', 'params'] as const) {
    seed = 12345; // the same texts for both scopes
    let disagreements = 0;
    for (let i = 0; i < 3000; i++) {
      // Two texts in three put generated JSON under params, where the two scopes differ.
      const text = i % 3 === 0 ? gen(0) : i % 3 === 1 ? `{"method":"m","params":${gen(1)}}` : `{"params":{"arguments":${gen(1)}}}`;
      JSON.parse(text);
      const mine = kind(shapeProblem(text, fold));
      if (mine !== reference(text, fold)) disagreements++;
      if (mine !== undefined) refused[fold]++;
    }
    t.equal(disagreements, 0, `${fold}: no disagreement`);
    t.ok(refused[fold] > 100 && refused[fold] < 2900, `${fold}: both verdicts occur (${refused[fold]} refused of 3000)`);
  }
  t.ok(refused.params > refused.envelope + 30, `'params' refuses more of the same texts (${refused.params} against ${refused.envelope})`);
});
