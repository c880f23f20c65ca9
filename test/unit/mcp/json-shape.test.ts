// The duplicate-member / case-collision / depth scan (src/mcp/jsonShape.ts) keeps its state in
// arrays reused between calls. These tests pin its verdicts on crafted messages and compare it,
// over generated JSON, with a plain reference model (a Set per object, as first written).

import t from 'tap';
import { MAX_DEPTH, shapeProblem } from '../../../src/mcp/jsonShape.js';

const ENVELOPE = ['jsonrpc', 'id', 'method', 'params', 'result', 'error'];
const PARAMS = ['name', 'arguments', 'uri', '_meta', 'clientInfo', 'protocolVersion', 'capabilities', 'cursor'];

/** Reference: walk the parsed-by-hand structure with a Set per object. */
function reference(text: string): string | undefined {
  type Scope = { names: Set<string>; folded: Set<string> | null; known: string[] | null } | null;
  const stack: Scope[] = [];
  let expectName = false;
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
        if (scope.folded !== null) {
          const lower = name.toLowerCase();
          if (scope.folded.has(lower)) return 'case';
          scope.folded.add(lower);
          const spelling = scope.known!.find((k) => k.toLowerCase() === lower);
          if (spelling !== undefined && spelling !== name) return 'case';
        }
        expectName = false;
      }
      i = j;
    } else if (c === '{') {
      if (stack.length === MAX_DEPTH) return 'deep';
      const level = stack.length + 1;
      stack.push({ names: new Set(), folded: level <= 2 ? new Set() : null, known: level === 1 ? ENVELOPE : level === 2 ? PARAMS : null });
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
  let disagreements = 0;
  let refused = 0;
  for (let i = 0; i < 3000; i++) {
    const text = gen(0);
    JSON.parse(text);
    const mine = kind(shapeProblem(text));
    if (mine !== reference(text)) disagreements++;
    if (mine !== undefined) refused++;
  }
  t.equal(disagreements, 0);
  t.ok(refused > 100 && refused < 2900, `both verdicts occur (${refused} refused of 3000)`);
});
