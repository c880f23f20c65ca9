// SPEC §10 tools_filter / tools_override as ToolHive applies them (pkg/mcp/tool_filter.go): the
// list is renamed, then filtered by the names the client sees; a call's new name is spliced back
// to the real one in the request bytes, every other byte kept.
import t from 'tap';
import { compileToolFilter } from '../../../src/toolfilter/config.js';
import { ToolFilterStage } from '../../../src/toolfilter/middleware.js';
import { renameCalledTool } from '../../../src/toolfilter/rename.js';
import { parseMcpMessage } from '../../../src/mcp/parser.js';
import { editListAnswer } from '../../../src/mcp/listAnswer.js';
import type { RequestContext } from '../../../src/chain/types.js';
import type { McpMessage } from '../../../src/mcp/types.js';

t.test('the tool name is replaced in the bytes, nothing else', async (t) => {
  const body = Buffer.from('{"jsonrpc":"2.0", "id":9007199254740993,"method":"tools/call","params":{"arguments":{"name":"keep","n":1.50},"na\\u006de" : "say"}}');
  const out = renameCalledTool(body, 'echo "real"')!.toString();
  t.equal(out, '{"jsonrpc":"2.0", "id":9007199254740993,"method":"tools/call","params":{"arguments":{"name":"keep","n":1.50},"na\\u006de" : "echo \\"real\\""}}');
  t.equal(renameCalledTool(Buffer.from('{"jsonrpc":"2.0","method":"tools/call","params":{"name":3}}'), 'x'), null);
});

function params(filter: string[], override: Record<string, unknown>) {
  const p = compileToolFilter({ filter, override }, () => {});
  if (p === null) throw new Error('no params');
  return p;
}

function ctx(body: string, accept?: string): RequestContext {
  const buf = Buffer.from(body);
  return { httpMethod: 'POST', headers: accept === undefined ? {} : { accept }, body: buf, mcp: parseMcpMessage(buf) as McpMessage, note: null, trace: null } as unknown as RequestContext;
}

t.test('list: renamed first, then filtered by the visible names; other fields kept', async (t) => {
  const stage = new ToolFilterStage(params(['say', 'list'], { echo: { name: 'say', description: 'Says it back' }, list: { description: 'Lists' } }));
  const c = ctx('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  t.equal(stage.handle(c), undefined);
  const answer = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tools: [{ name: 'echo', description: 'Echo', inputSchema: { type: 'object' } }, { name: 'list' }, { name: 'rm' }, { name: 'say' }] } });
  const out = JSON.parse(editListAnswer(answer, c.listEdits!, 'tools', 1)!.text);
  // "say" (a real tool named like echo's new name) stays visible too, as in ToolHive.
  t.strictSame(out.result.tools, [{ name: 'say', description: 'Says it back', inputSchema: { type: 'object' } }, { name: 'list', description: 'Lists' }, { name: 'say' }]);
  const nameless = JSON.stringify({ jsonrpc: '2.0', id: 1, result: { tools: [{ description: 'x' }] } });
  t.equal(editListAnswer(nameless, c.listEdits!, 'tools', 1)!.failed, true, 'a tool without a name fails the answer (ToolHive refuses to pass it)');
});

t.test('calls: hidden -> tool not found (200, or 400 without JSON in Accept); renamed -> real name; real name of a renamed tool passes the filter only if listed', async (t) => {
  const stage = new ToolFilterStage(params(['say'], { echo: { name: 'say' } }));
  const hidden = stage.handle(ctx('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"rm"}}'));
  t.match(hidden, { kind: 'TOOL_NOT_FOUND', status: 200, code: -32602, message: 'tool not found', id: 2 });
  t.match(stage.handle(ctx('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"rm"}}', 'text/event-stream')), { kind: 'TOOL_NOT_FOUND_NOT_JSON', status: 400 });
  t.match(stage.handle(ctx('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo"}}')), { kind: 'TOOL_NOT_FOUND' }, 'the real name is not in the filter');
  t.match(stage.handle(ctx('{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{}}')), { kind: 'INVALID_REQUEST', status: 400 });
  const c = ctx('{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"say","arguments":{"message":"hi"}}}');
  t.equal(stage.handle(c), undefined);
  t.equal(c.body!.toString(), '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"message":"hi"}}}');
  t.equal(c.mcp!.resourceId, 'echo', 'later stages see the real name');
  const noFilter = new ToolFilterStage(params([], { echo: { name: 'say' } }));
  t.equal(noFilter.handle(ctx('{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"echo"}}')), undefined, 'without a filter the real name still works (ToolHive)');
});
