// Regression: a tool's rate-limit bucket could be bypassed with a lookalike member name. The parser
// refused names that differ from an MCP member only in ASCII case ("PARAMS"), as Go's
// encoding/json would read them as that member. But Go folds Unicode's way: each rune to the
// smallest of its simple-fold orbit, so "paramſ" (U+017F LATIN SMALL LETTER LONG S) is "params"
// to a Go MCP server (mcp-go), as "K" (KELVIN SIGN) is "k". The proxy judged
// `{"paramſ":{"name":"echo"}}` as a call with no tool name — no tool bucket charged — and a Go
// upstream ran echo. Now such names are refused like the ASCII ones (400, -32600), in the
// envelope and in params.
import t from 'tap';
import { shapeProblem } from '../../src/mcp/jsonShape.js';
import { startRawUpstream, jsonResult } from '../helpers/upstream.js';
import { httpConfig, startInProcess } from '../helpers/proxy.js';
import { postJson } from '../helpers/http.js';

const LONG_S = '\u017f';
const DOTLESS_I = '\u0131'; // not folded onto i by Go: a different name
const KELVIN = '\u212a';

t.test('names Go reads as an MCP member are refused by the shape check', async (t) => {
  const refused = [
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","param${LONG_S}":{"name":"echo"}}`,
    `{"jsonrpc":"2.0","id":1,"method":"tool${LONG_S}/call","param${LONG_S}":{"name":"echo"}}`,
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"},"param${LONG_S}":{"name":"echo"}}`,
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","argument${LONG_S}":{"a":1}}}`,
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","nam\\u0065":"y"}}`,
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","_meta":{},"_m${'e'}ta":{}}}`,
    `{"json${'r'}pc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"},"${KELVIN}":1,"k":2}`,
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","${LONG_S}":1,"S":2}}`,
  ];
  for (const text of refused) t.ok(shapeProblem(text), `refused: ${text}`);
  const accepted = [
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"param${LONG_S}":1,"params":2}}}`,
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","stra${LONG_S}se":1}}`,
    `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"\u00e9cho"}}`,
    `{"jsonrpc":"2.0","${DOTLESS_I}d":1,"id":2,"method":"tools/call","params":{"name":"echo"}}`,
  ];
  for (const text of accepted) t.equal(shapeProblem(text), undefined, `accepted: ${text}`);
});

t.test('a lookalike params member cannot skip the tool bucket', async (t) => {
  const upstream = await startRawUpstream((_req, res, body) => jsonResult(res, body, { content: [] }));
  t.teardown(() => upstream.close());
  const proxy = await startInProcess(
    httpConfig(upstream.port, { rate_limit_config: { tools: [{ name: 'echo', shared: { maxTokens: 1, refillPeriod: '1h' } }] } }),
    { store: 'memory' },
  );
  t.teardown(() => proxy.close(0));
  const call = (params: string) => postJson(proxy.endpoint, `{"jsonrpc":"2.0","id":5,"method":"tools/call","${params}":{"name":"echo"}}`);
  t.equal((await call('params')).status, 200, 'the one token');
  t.equal((await call('params')).status, 429, 'the bucket is empty');
  const before = upstream.requests.length;
  for (const lookalike of [`param${LONG_S}`, `PARAM${LONG_S}`]) {
    const r = await call(lookalike);
    t.equal(r.status, 400, `${lookalike} refused`);
    t.match(r.body, /"code":-32600/);
  }
  t.equal(upstream.requests.length, before, 'nothing reached the upstream');
});
