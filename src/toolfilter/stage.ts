// The tool-filter stage module (src/chain/stage.ts): present when tools_filter or tools_override
// has entries.
import type { StageModule } from '../chain/stage.js';
import { compileToolFilter } from './config.js';
import { ToolFilterStage } from './middleware.js';

export const toolFilterStage: StageModule = {
  type: 'tool-filter',
  compile(config, report) {
    const params = compileToolFilter(config.tools ?? null, report);
    if (params === null) return [];
    const parts: string[] = [];
    if (params.visible.size > 0) parts.push(`only ${[...params.visible].join(', ')}`);
    for (const [real, o] of params.overrides) parts.push(`${real} -> ${o.name || real}${o.description ? ' (new description)' : ''}`);
    return [{ type: 'tool-filter', name: 'tool-filter', summary: parts.join('; '), create: () => new ToolFilterStage(params) }];
  },
};
