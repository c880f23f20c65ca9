// The MCP parser stage module (src/chain/stage.ts): always present; nothing to compile.
import type { StageModule } from '../chain/stage.js';
import { createMcpParserMiddleware } from './parserMiddleware.js';

export const parserStage: StageModule = {
  type: 'mcp-parser',
  compile() {
    return [{ type: 'mcp-parser', name: 'parser', summary: 'JSON-RPC over application/json; no batches', create: () => createMcpParserMiddleware() }];
  },
};
