// The first three stages together, as dry-run runs them: one report per stage, in order.
import t from 'tap';
import { runChain, type ChainOutcome } from '../../../src/chain/run.js';
import { createBodyLimitMiddleware } from '../../../src/guard/bodyLimit.js';
import { compileHostGuard, createHostGuardMiddleware } from '../../../src/guard/hostGuard.js';

/** The guard as the chain gets it: entries compiled first; a bad entry is thrown here. */
function guardOf(opts: { allowedHosts: string[]; allowedOrigins: string[] }) {
  const problems: string[] = [];
  const params = compileHostGuard(opts.allowedHosts, opts.allowedOrigins, (pointer, message) => problems.push(`${pointer}: ${message}`));
  if (problems.length > 0) throw new Error(problems.join('; '));
  return createHostGuardMiddleware(params);
}
import { createMcpParserMiddleware } from '../../../src/mcp/parserMiddleware.js';
import { makeContext } from '../mcp/context.js';

const stages = [
  createBodyLimitMiddleware({ maxBodyBytes: 1024 }),
  guardOf({ allowedHosts: [], allowedOrigins: [] }),
  createMcpParserMiddleware(),
];
const CALL = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"search"}}';

t.test('§1 §3 §6 dry-run reports each of the first stages in order', async (t) => {
  const ctx = makeContext({ headers: { host: 'localhost:8080', 'content-type': 'application/json' }, body: CALL, trace: true });
  const out = runChain(stages, ctx) as ChainOutcome;
  t.equal(out.rejection, undefined);
  t.same(ctx.trace, [
    { stage: 'body-limit', outcome: 'continue', summary: `${CALL.length} bytes`, facts: { bytes: CALL.length, limit: 1024 } },
    { stage: 'host-guard', outcome: 'continue', summary: 'Host localhost:8080 allowed', facts: { host: 'localhost:8080', origin: null } },
    { stage: 'parser', outcome: 'continue', summary: 'tools/call "search"', facts: { kind: 'request', method: 'tools/call', id: 1, resourceId: 'search' } },
  ]);
});

t.test('§6 the guard stops the chain before the body is parsed', async (t) => {
  const ctx = makeContext({ headers: { host: 'evil.com', 'content-type': 'application/json' }, body: CALL, trace: true });
  const out = runChain(stages, ctx) as ChainOutcome;
  t.equal(out.rejectedBy, 'host-guard');
  t.equal(out.rejection?.status, 403);
  t.equal(ctx.mcp, null, 'not parsed');
  t.same(ctx.trace?.map((r) => [r.stage, r.outcome]), [['body-limit', 'continue'], ['host-guard', 'reject']]);
});

t.test('§3 an oversized body stops the chain first', async (t) => {
  const ctx = makeContext({ headers: { host: 'evil.com' }, body: Buffer.alloc(1025), trace: true });
  const out = runChain(stages, ctx) as ChainOutcome;
  t.equal(out.rejectedBy, 'body-limit');
  t.equal(out.rejection?.status, 413);
  t.equal(ctx.trace?.length, 1);
});
