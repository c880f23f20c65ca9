// The body-limit stage module (src/chain/stage.ts): always present.
import type { StageModule } from '../chain/stage.js';
import { createBodyLimitMiddleware } from './bodyLimit.js';

export const bodyLimitStage: StageModule = {
  type: 'body-limit',
  compile(config) {
    const maxBodyBytes = config.maxBodyBytes;
    return [
      {
        type: 'body-limit',
        name: 'body-limit',
        summary: `max ${maxBodyBytes} bytes`,
        create: (deps) => createBodyLimitMiddleware({ maxBodyBytes, bodyStallMs: deps.bodyStallMs }),
      },
    ];
  },
};
