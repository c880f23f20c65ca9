// SPEC §6 (stdio): which sessions the idle sweep ends. Pure registry logic with an explicit clock.
import t from 'tap';
import { CallTable, type ClientCall, type Reply } from '../../../src/stdio/calls.js';
import { SessionRegistry } from '../../../src/stdio/sessions.js';
import { sweepIntervalMs } from '../../../src/stdio/sessionExpiry.js';

const IDLE = 1_000;
const noReply: Reply = { related: () => false, respond() {}, fail() {}, abandon() {}, bind() {} };

t.test('§6 stdio idle sweep: only sessions with nothing pending and no activity for the timeout', async (t) => {
  const reg = new SessionRegistry();
  const table = new CallTable();
  const idle = reg.open('streamable-http');
  const recent = reg.open('streamable-http');
  const calling = reg.open('streamable-http');
  // Whole numbers, so the comparisons below are exact.
  const start = 10_000;
  idle.lastSeenAt = start;
  recent.lastSeenAt = start + 900;
  calling.lastSeenAt = start;
  const call: ClientCall = { proxyId: table.nextId(), session: calling, clientId: 1, clientIdText: '1', clientTokenText: undefined, reply: noReply, generation: 1, isInitialize: false };
  table.addCall(call);

  t.same(reg.idle(IDLE, start + 999), [], 'nothing before the timeout');
  t.same(reg.idle(IDLE, start + 1_000).map((s) => s.id), [idle.id], 'the idle one at the timeout; the calling one is busy');
  t.same(reg.idle(IDLE, start + 1_900).map((s) => s.id).sort(), [idle.id, recent.id].sort(), 'the recent one a timeout after its activity');

  table.removeCall(call);
  const answeredAt = calling.lastSeenAt;
  t.not(answeredAt, start, 'the answer counts as activity');
  t.notOk(reg.idle(IDLE, answeredAt + 999).includes(calling), 'idle time counts from the answer');
  t.ok(reg.idle(IDLE, answeredAt + 1_001).includes(calling), 'and ends a timeout after it');

  reg.remove(idle);
  t.notOk(reg.idle(IDLE, start + 5_000).includes(idle), 'a removed session is not swept again');
});

t.test('§6 stdio idle sweep interval: a quarter of the timeout, between 10 ms and one minute', async (t) => {
  t.equal(sweepIntervalMs(300), 75);
  t.equal(sweepIntervalMs(30 * 60_000), 60_000);
  t.equal(sweepIntervalMs(8), 10);
});
