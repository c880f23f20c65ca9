// The check bound of SPEC §4 (src/chain/deadline.ts): expires after the bound when the loop is
// free; time the loop was blocked is not charged; an answer that arrived while the loop was
// blocked is delivered before the deadline is declared missed; clear() stops it.
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import t from 'tap';
import { LoopDeadline, withinLoopDeadline } from '../../../src/chain/deadline.js';

function blockLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}

function expiry(ms: number): { promise: Promise<number>; deadline: LoopDeadline<number> } {
  const start = performance.now();
  let deadline!: LoopDeadline<number>;
  const promise = new Promise<number>((resolve) => {
    deadline = new LoopDeadline(ms, (s: number) => resolve(performance.now() - s), start);
  });
  return { promise, deadline };
}

t.test('expires after the bound when the loop is free', async (t) => {
  const took = await expiry(100).promise;
  t.ok(took >= 99 && took < 160, `after ${took.toFixed(1)} ms`);
});

t.test('a blocked loop is not charged: the deadline moves by the block (at most the bound late)', async (t) => {
  const { promise } = expiry(100);
  blockLoop(300);
  const took = await promise;
  // The first slice (25 ms) overlapped the block; 75 ms of free time remain after it.
  t.ok(took >= 300 + 70 && took < 300 + 100 + 80, `after ${took.toFixed(1)} ms (300 of them blocked)`);
});

t.test('clear() before expiry: onExpire never runs', async (t) => {
  const { promise, deadline } = expiry(30);
  deadline.clear();
  const result = await Promise.race([promise.then(() => 'expired'), new Promise((r) => setTimeout(() => r('cleared'), 80))]);
  t.equal(result, 'cleared');
});

t.test('an answer waiting in a socket when the bound passes is delivered first (one poll before expiry)', async (t) => {
  const server = createServer((s: Socket) => s.on('data', () => s.write('pong')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => server.close());
  const sock = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise((r) => sock.once('connect', r));
  t.teardown(() => sock.destroy());

  const timedOut = new Error('timed out');
  const answer = new Promise<string>((resolve) => sock.once('data', (d: Buffer) => resolve(d.toString())));
  sock.write('ping');
  const bounded = withinLoopDeadline(answer, 20, timedOut);
  // The answer arrives within a millisecond, but the loop is blocked long past the bound: timers
  // run before the poll phase reads the socket.
  blockLoop(200);
  t.equal(await bounded, 'pong');
});

t.test("withinLoopDeadline: the promise's own rejection passes through; a hang rejects with the given error", async (t) => {
  const boom = new Error('boom');
  await t.rejects(withinLoopDeadline(Promise.reject(boom), 50, new Error('late')), boom);
  const late = new Error('late');
  await t.rejects(withinLoopDeadline(new Promise(() => undefined), 20, late), late);
});
