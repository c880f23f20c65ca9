import t from 'tap';
import { runChain } from '../../../src/chain/run.js';
import { Rejection } from '../../../src/errors.js';
import type { Middleware, RequestContext, StageReport } from '../../../src/chain/types.js';

function ctx(trace: StageReport[] | null = null): RequestContext {
  return {
    httpMethod: 'POST', url: '/mcp', headers: {}, clientIp: '127.0.0.1', req: null, res: null,
    body: null, mcp: null, note: null, trace, startNs: 0n, rejectedBy: undefined, reason: undefined, streaming: false, closeWatcher: null, watchesClose: false,
  };
}

function stage(name: string, calls: string[], result?: () => ReturnType<Middleware['handle']>): Middleware {
  return { name, handle: () => { calls.push(name); return result?.(); } };
}

t.test('synchronous stages run in order and the outcome is returned without a promise', async (t) => {
  const calls: string[] = [];
  const out = runChain([stage('a', calls), stage('b', calls), stage('c', calls)], ctx());
  t.notOk(out instanceof Promise, 'no promise when every stage is synchronous');
  t.same(calls, ['a', 'b', 'c']);
  t.equal((out as { rejection: unknown }).rejection, undefined);
});

t.test('a rejection stops the chain and names the stage', async (t) => {
  const calls: string[] = [];
  const r = new Rejection('PARSE_ERROR', undefined);
  const out = await runChain([stage('a', calls), stage('b', calls, () => r), stage('c', calls)], ctx());
  t.same(calls, ['a', 'b']);
  t.equal(out.rejection, r);
  t.equal(out.rejectedBy, 'b');
});

t.test('async stages are awaited and later stages still run in order', async (t) => {
  const calls: string[] = [];
  const later = () => new Promise<void>((resolve) => setTimeout(resolve, 5));
  const out = runChain([stage('a', calls, later), stage('b', calls), stage('c', calls, later), stage('d', calls)], ctx());
  t.ok(out instanceof Promise);
  const o = await out;
  t.same(calls, ['a', 'b', 'c', 'd']);
  t.equal(o.rejection, undefined);
});

t.test('an async rejection stops the chain', async (t) => {
  const calls: string[] = [];
  const out = await runChain(
    [stage('a', calls, async () => new Rejection('RATE_LIMITED', 1)), stage('b', calls)],
    ctx(),
  );
  t.same(calls, ['a']);
  t.equal(out.rejection?.kind, 'RATE_LIMITED');
  t.equal(out.rejectedBy, 'a');
});

t.test('a stage that throws (sync or async) yields a 500 JSON-RPC rejection, never a crash', async (t) => {
  const calls: string[] = [];
  const sync = await runChain([stage('boom', calls, () => { throw new Error('bug'); }), stage('b', calls)], ctx());
  t.equal(sync.rejection?.status, 500);
  t.equal(sync.rejectedBy, 'boom');
  const asyncOut = await runChain([stage('boom2', calls, () => Promise.reject(new Error('bug2')))], ctx());
  t.equal(asyncOut.rejection?.status, 500);
  t.equal(asyncOut.rejection?.reason, 'bug2');
  t.same(calls, ['boom', 'boom2']);
});

t.test('with tracing on, every stage is reported in order with its note', async (t) => {
  const trace: StageReport[] = [];
  const c = ctx(trace);
  const noting: Middleware = { name: 'parser', handle: (x) => { x.note = { summary: 'tools/call "echo"', facts: { tool: 'echo' } }; } };
  const asyncReject: Middleware = { name: 'rate-limit', handle: async () => new Rejection('RATE_LIMITED', 1) };
  await runChain([noting, asyncReject, { name: 'never', handle: () => undefined }], c);
  t.same(trace, [
    { stage: 'parser', outcome: 'continue', summary: 'tools/call "echo"', facts: { tool: 'echo' } },
    { stage: 'rate-limit', outcome: 'reject', summary: 'rejected: 429 Rate limit exceeded' },
  ]);
  t.equal(c.note, null, 'notes are consumed');
});
