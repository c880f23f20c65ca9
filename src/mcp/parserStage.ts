// The MCP parser stage module (src/chain/stage.ts): always present. The one thing it compiles is
// how far member names are compared as Go folds them (jsonShape.ts):
// - 'params' (every object inside params) when a later stage judges tool arguments —
//   authorization (Cedar's arg_*, SPEC §10), validating (§5) or mutating webhooks (§11; both see
//   the whole request): a Go server may execute another argument than the one judged
//   ({"path":..,"PATH":..}). thv-proxy's decision; SPEC is silent on it.
// - 'envelope' (the envelope and params only) otherwise: the tool filter and rate limiting read
//   the tool name alone, and data such as a headers map with "Accept" and "accept" passes as before.
import type { ProxyConfig } from '../config/types.js';
import type { StageModule } from '../chain/stage.js';
import type { FoldScope } from './jsonShape.js';
import { createMcpParserMiddleware } from './parserMiddleware.js';

const SUMMARY = 'JSON-RPC over application/json; no batches';

/** Has this config a stage that judges tool arguments? Decided once, here, at compile. */
function judgesArguments(config: ProxyConfig): boolean {
  return (config.authz ?? null) !== null || config.webhooks.length > 0 || config.mutatingWebhooks.length > 0;
}

export const parserStage: StageModule = {
  type: 'mcp-parser',
  compile(config) {
    const fold: FoldScope = judgesArguments(config) ? 'params' : 'envelope';
    const summary = fold === 'params' ? `${SUMMARY}; names inside params that Go folds together refused (arguments are judged)` : SUMMARY;
    return [{ type: 'mcp-parser', name: 'parser', summary, create: () => createMcpParserMiddleware(fold) }];
  },
};
