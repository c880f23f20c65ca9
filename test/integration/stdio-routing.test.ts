// SPEC §6 (stdio): messages from the child reach the client they concern — progress by token,
// server-to-client requests (sampling) to the client whose call caused them, and the client's
// answer back to the child.
import t from 'tap';
import { connectClient, startStdioProxy, textOf } from '../helpers/stdioHarness.js';

t.test('§6 stdio: progress notifications reach the caller while the tool runs, not the other client', async (t) => {
  const proxy = await startStdioProxy(t);
  const a = await connectClient(t, proxy, 'client-a');
  const b = await connectClient(t, proxy, 'client-b');

  // [progress, total] as each client saw them; A's operation has 3 steps, B's 2.
  const progressA: Array<[number, number | undefined]> = [];
  const progressB: Array<[number, number | undefined]> = [];
  let answeredA = false;
  let progressBeforeAnswer = 0;
  // Both calls run at once and both SDK clients use their request id as progress token, so the
  // tokens collide unless the proxy maps them.
  const callA = a
    .callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1.5, steps: 3 } }, undefined, {
      onprogress: (p) => {
        progressA.push([p.progress, p.total]);
        if (!answeredA) progressBeforeAnswer++;
      },
    })
    .then((r) => {
      answeredA = true;
      return r;
    });
  const callB = b.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 2 } }, undefined, {
    onprogress: (p) => progressB.push([p.progress, p.total]),
  });
  const [ra, rb] = await Promise.all([callA, callB]);
  t.match(textOf(ra), /Steps: 3/);
  t.match(textOf(rb), /Steps: 2/);
  // The last step and the answer leave the child back to back; the SDK client handles
  // notifications a microtask later than responses, so when both arrive in one read it drops
  // the last step. The earlier steps prove the routing.
  t.same(progressA.slice(0, 2), [[1, 3], [2, 3]], 'client A saw its steps');
  t.ok(progressA.every(([, total]) => total === 3), 'client A saw only its own operation');
  t.same(progressB.slice(0, 1), [[1, 2]], 'client B saw its steps');
  t.ok(progressB.every(([, total]) => total === 2), 'client B saw none of A\'s progress');
  t.ok(progressBeforeAnswer >= 2, 'progress arrived while the tool ran, before the answer');
});

t.test('§6 stdio: a sampling request reaches the client that caused it, and its answer gets back', async (t) => {
  const proxy = await startStdioProxy(t);
  const a = await connectClient(t, proxy, 'client-a');
  const b = await connectClient(t, proxy, 'client-b');

  const ra = await a.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hello', maxTokens: 5 } });
  t.match(textOf(ra), /sampled by client-a/, 'client A answered the sampling request of its own call');
  t.match(textOf(ra), /model-of-client-a/);

  const rb = await b.callTool({ name: 'trigger-sampling-request', arguments: { prompt: 'hi', maxTokens: 5 } });
  t.match(textOf(rb), /sampled by client-b/, 'client B answered the sampling request of its own call');
  t.notMatch(textOf(rb), /client-a/);
});
