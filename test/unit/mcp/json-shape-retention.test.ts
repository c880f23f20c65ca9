// The shape scan (src/mcp/jsonShape.ts) reuses its pools of member names from call to call; a
// name is a slice of the message's text, so a name left in a pool would keep the whole message
// alive until the next call overwrote it. Neither a small message's names nor a hostile one's
// (tens of thousands of members, past the pool size kept) may outlive the call.
import v8 from 'node:v8';
import vm from 'node:vm';
import t from 'tap';
import { shapeProblem } from '../../../src/mcp/jsonShape.js';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;
const heapUsed = (): number => v8.getHeapStatistics().used_heap_size;

/** The scan's verdict, and the MB of heap the message leaves behind once the caller dropped it. */
function scanAndDrop(makeText: () => string): { problem: string | undefined; keptMb: number } {
  gc();
  const before = heapUsed();
  let text: string | null = makeText();
  const problem = shapeProblem(text);
  text = null;
  gc();
  return { problem, keptMb: (heapUsed() - before) / 1e6 };
}

t.test('a small message: its few (long) member names do not keep its text', async (t) => {
  const { problem, keptMb } = scanAndDrop(() => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"${'n'.repeat(8_000_000)}":1}}`);
  t.equal(problem, undefined);
  t.ok(keptMb < 2, `kept ${keptMb.toFixed(2)} MB of an 8 MB message`);
});

t.test('a hostile message: 60 000 members, refused at the last one, keep nothing', async (t) => {
  const { problem, keptMb } = scanAndDrop(() => {
    const members = Array.from({ length: 60_000 }, (_, i) => `"member-${i}-${'x'.repeat(120)}":${i}`);
    members.push(`"member-0-${'x'.repeat(120)}":0`); // a duplicate: refused
    return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"t","arguments":{${members.join(',')}}}}`;
  });
  t.match(problem, /appears twice/);
  t.ok(keptMb < 2, `kept ${keptMb.toFixed(2)} MB of an ~8 MB message`);
});
