// SPEC §11 as a table: what a mutating webhook's allow answer does to the request, apart from
// any I/O (src/webhook/patch.ts). ToolHive's rules and messages, plus the stricter refusal of
// ops on jsonrpc/id/method, and numbers that re-serialisation would change.
import t from 'tap';
import { REJECTIONS, Rejection } from '../../../src/errors.js';
import { parseMcpMessage } from '../../../src/mcp/parser.js';
import type { McpMessage } from '../../../src/mcp/types.js';
import { applyWebhookPatch, type PatchResult } from '../../../src/webhook/patch.js';
import { inexactNumber, isExactNumber } from '../../../src/webhook/exactNumbers.js';

const CALL = '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"login","arguments":{"user":"ann","password":"hunter2"}}}';
const LIMIT = 1 << 20;

function parsed(body: string): McpMessage {
  const m = parseMcpMessage(Buffer.from(body));
  if (m instanceof Rejection) throw new Error(m.reason);
  return m;
}

function run(answer: Record<string, unknown>, body = CALL, limit = LIMIT): PatchResult {
  const raw = Buffer.from(JSON.stringify(answer));
  return applyWebhookPatch(Buffer.from(body), parsed(body), answer, raw, limit);
}

const jp = (patch: unknown) => ({ version: 'v0.1.0', uid: 'u', allowed: true, patch_type: 'json_patch', patch });

t.test('§11 no patch: absent patch_type or patch, null, [] — unchanged, nothing re-serialised', async (t) => {
  for (const answer of [
    { allowed: true },
    { allowed: true, patch_type: 'json_patch' },
    { allowed: true, patch_type: 'json_patch', patch: [] },
    { allowed: true, patch_type: 'json_patch', patch: null },
    { allowed: true, patch_type: '', patch: [{ op: 'remove', path: '/mcp_request/params' }] },
    { allowed: true, patch_type: null, patch: [{ op: 'remove', path: '/mcp_request/params' }] },
    { allowed: true, patch: [{ op: 'remove', path: '/mcp_request/params' }] },
  ]) {
    t.same(run(answer), { outcome: 'unchanged', ops: [] }, JSON.stringify(answer));
  }
});

t.test('§11 a redaction patch: the request is re-serialised and re-parsed', async (t) => {
  const r = run(jp([{ op: 'replace', path: '/mcp_request/params/arguments/password', value: '[REDACTED]' }]));
  if (r.outcome !== 'patched') throw new Error(JSON.stringify(r));
  t.same(JSON.parse(r.body.toString()), { jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'login', arguments: { user: 'ann', password: '[REDACTED]' } } });
  t.same(r.mcp.arguments, { user: 'ann', password: '[REDACTED]' }, 'ctx.mcp is re-derived from the patched bytes');
  t.equal(r.mcp.id, 7);
  t.same(r.ops, [{ op: 'replace', path: '/mcp_request/params/arguments/password' }], 'ops: op and path, never the value');
});

t.test('§11 every RFC 6902 op applies in order; a tool rename is re-derived as the resource id', async (t) => {
  const r = run(jp([
    { op: 'test', path: '/mcp_request/method', value: 'tools/call' },
    { op: 'add', path: '/mcp_request/params/arguments/dept', value: 'engineering' },
    { op: 'copy', from: '/mcp_request/params/arguments/user', path: '/mcp_request/params/arguments/owner' },
    { op: 'move', from: '/mcp_request/params/arguments/password', path: '/mcp_request/params/_meta' },
    { op: 'remove', path: '/mcp_request/params/_meta' },
    { op: 'replace', path: '/mcp_request/params/name', value: 'login_v2' },
  ]));
  if (r.outcome !== 'patched') throw new Error(JSON.stringify(r));
  t.same(JSON.parse(r.body.toString()).params, { name: 'login_v2', arguments: { user: 'ann', dept: 'engineering', owner: 'ann' } });
  t.equal(r.mcp.resourceId, 'login_v2');
  t.same(r.ops.map((o) => o.op), ['test', 'add', 'copy', 'move', 'remove', 'replace']);
  t.same(r.ops[2], { op: 'copy', path: '/mcp_request/params/arguments/owner', from: '/mcp_request/params/arguments/user' });
});

t.test('§11 only test ops that hold: unchanged, the original bytes stay', async (t) => {
  const r = run(jp([{ op: 'test', path: '/mcp_request/params/name', value: 'login' }]));
  t.same(r, { outcome: 'unchanged', ops: [{ op: 'test', path: '/mcp_request/params/name' }] });
});

t.test('§11 failures, each with ToolHive\'s message (fail -> 500 -32603), in ToolHive\'s order', async (t) => {
  const cases: Array<[string, Record<string, unknown>, keyof typeof REJECTIONS]> = [
    ['patch_type not a string', { allowed: true, patch_type: 5, patch: [] }, 'MUTATING_WEBHOOK_FAILED'],
    ['unsupported patch_type', { allowed: true, patch_type: 'merge_patch', patch: [{ op: 'add', path: '/mcp_request/x', value: 1 }] }, 'MUTATING_WEBHOOK_PATCH_TYPE'],
    ['patch not an array', jp({ op: 'add' }), 'MUTATING_WEBHOOK_PATCH_MALFORMED'],
    ['patch a string', jp('not-valid-json'), 'MUTATING_WEBHOOK_PATCH_MALFORMED'],
    ['op not an object', jp(['add']), 'MUTATING_WEBHOOK_PATCH_MALFORMED'],
    ['op member not a string', jp([{ op: 'add', path: 5, value: 1 }]), 'MUTATING_WEBHOOK_PATCH_MALFORMED'],
    ['unknown op', jp([{ op: 'merge', path: '/mcp_request/x', value: 1 }]), 'MUTATING_WEBHOOK_PATCH_INVALID'],
    ['empty path', jp([{ op: 'add', path: '', value: 1 }]), 'MUTATING_WEBHOOK_PATCH_INVALID'],
    ['move without from', jp([{ op: 'move', path: '/mcp_request/params/x' }]), 'MUTATING_WEBHOOK_PATCH_INVALID'],
    ['path outside mcp_request', jp([{ op: 'add', path: '/principal/sub', value: 'root' }]), 'MUTATING_WEBHOOK_PATCH_SCOPE'],
    ['the root /mcp_request itself', jp([{ op: 'replace', path: '/mcp_request', value: {} }]), 'MUTATING_WEBHOOK_PATCH_SCOPE'],
    ['a path that only looks inside', jp([{ op: 'add', path: '/mcp_requestx/a', value: 1 }]), 'MUTATING_WEBHOOK_PATCH_SCOPE'],
    ['copy from outside', jp([{ op: 'copy', from: '/context/source_ip', path: '/mcp_request/params/ip' }]), 'MUTATING_WEBHOOK_PATCH_SCOPE'],
    ['replace method', jp([{ op: 'replace', path: '/mcp_request/method', value: 'tools/list' }]), 'MUTATING_WEBHOOK_PATCH_PROTECTED'],
    ['remove id', jp([{ op: 'remove', path: '/mcp_request/id' }]), 'MUTATING_WEBHOOK_PATCH_PROTECTED'],
    ['replace jsonrpc', jp([{ op: 'replace', path: '/mcp_request/jsonrpc', value: '1.0' }]), 'MUTATING_WEBHOOK_PATCH_PROTECTED'],
    ['move method away', jp([{ op: 'move', from: '/mcp_request/method', path: '/mcp_request/params/m' }]), 'MUTATING_WEBHOOK_PATCH_PROTECTED'],
    ['copy onto id', jp([{ op: 'copy', from: '/mcp_request/params/name', path: '/mcp_request/id' }]), 'MUTATING_WEBHOOK_PATCH_PROTECTED'],
    ['a path that does not exist', jp([{ op: 'replace', path: '/mcp_request/params/nope/x', value: 1 }]), 'MUTATING_WEBHOOK_PATCH_FAILED'],
    ['a failing test op', jp([{ op: 'test', path: '/mcp_request/params/name', value: 'other' }]), 'MUTATING_WEBHOOK_PATCH_FAILED'],
    ['add without value', jp([{ op: 'add', path: '/mcp_request/params/x' }]), 'MUTATING_WEBHOOK_PATCH_FAILED'],
    ['__proto__', jp([{ op: 'add', path: '/mcp_request/params/__proto__/polluted', value: 1 }]), 'MUTATING_WEBHOOK_PATCH_FAILED'],
    ['params replaced by a string', jp([{ op: 'replace', path: '/mcp_request/params', value: 'x' }]), 'MUTATING_WEBHOOK_INVALID_RESULT'],
    ['a member Go would read as "method"', jp([{ op: 'add', path: '/mcp_request/Method', value: 'tools/list' }]), 'MUTATING_WEBHOOK_INVALID_RESULT'],
  ];
  for (const [what, answer, kind] of cases) {
    const r = run(answer);
    t.equal(r.outcome, 'failed', what);
    if (r.outcome === 'failed') {
      t.equal(r.kind, kind, what);
      t.equal(REJECTIONS[r.kind].status, 500, `${what}: 500`);
      t.equal(REJECTIONS[r.kind].code, -32603, `${what}: -32603`);
    }
  }
  t.equal(({} as Record<string, unknown>)['polluted'], undefined, 'no prototype was modified');
});

t.test('§11 a test op may read method and id (it changes nothing)', async (t) => {
  const r = run(jp([{ op: 'test', path: '/mcp_request/id', value: 7 }, { op: 'add', path: '/mcp_request/params/arguments/checked', value: true }]));
  t.equal(r.outcome, 'patched');
});

t.test('§11 a result over the limit is refused; the limit counts the re-serialised bytes', async (t) => {
  const patch = jp([{ op: 'add', path: '/mcp_request/params/arguments/pad', value: 'x'.repeat(200) }]);
  const r = run(patch, CALL, 250);
  t.equal(r.outcome, 'failed');
  if (r.outcome === 'failed') t.equal(r.kind, 'MUTATING_WEBHOOK_RESULT_TOO_LARGE');
  t.equal(run(patch, CALL, 400).outcome, 'patched');
});

t.test('§11 numbers a double cannot carry are never changed silently: the patch is refused', async (t) => {
  const bigId = '{"jsonrpc":"2.0","id":9007199254740993,"method":"tools/call","params":{"name":"x","arguments":{}}}';
  const r = run(jp([{ op: 'add', path: '/mcp_request/params/arguments/a', value: 1 }]), bigId);
  t.equal(r.outcome, 'failed');
  if (r.outcome === 'failed') {
    t.equal(r.kind, 'MUTATING_WEBHOOK_PATCH_INTERNAL');
    t.match(r.detail, /9007199254740993/);
  }
  const bigArg = CALL.replace('"ann"', '123456789012345678901234567890');
  t.equal(run(jp([{ op: 'add', path: '/mcp_request/params/x', value: 1 }]), bigArg).outcome, 'failed', 'in the arguments too');
  // The same value inside a string is text, not a number.
  const inString = CALL.replace('hunter2', '9007199254740993');
  t.equal(run(jp([{ op: 'add', path: '/mcp_request/params/x', value: 1 }]), inString).outcome, 'patched');
});

t.test('exact numbers: what survives Number() and JSON.stringify with its value', async (t) => {
  for (const tok of ['0', '-0', '0.0', '1', '-1', '1.0', '1e2', '1E-5', '0.1', '123456789012345', '9007199254740991', '-9007199254740991', '1e20', '99999999999999900000', '3.14159265358979', '2.5e-300', '0.14285714285714285', '1.7976931348623157e308', '5e-324', '-12.50']) {
    t.ok(isExactNumber(tok), tok);
  }
  for (const tok of ['9007199254740993', '12345678901234567890', '1e400', '-1e400', '1e-400', '0.1234567890123456789', '0.1000000000000000055511', '1000000000000000000000', '2.5e-324']) {
    t.notOk(isExactNumber(tok), tok);
  }
  t.equal(inexactNumber('{"a":"9007199254740993","b":[1,2.5,{"c":-3e2}],"d\\"":"x"}'), undefined, 'strings are skipped, escapes too');
  t.equal(inexactNumber('{"a":[1, 9007199254740993]}'), '9007199254740993');
});
