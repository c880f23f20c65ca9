// The host-guard stage module (src/chain/stage.ts): only on loopback listeners, where DNS
// rebinding is the threat; allowed_hosts / allowed_origins parsed once, with pointers.
import type { StageModule } from '../chain/stage.js';
import { isLoopback } from '../chain/loopback.js';
import { compileHostGuard, createHostGuardMiddleware } from './hostGuard.js';

export const hostGuardStage: StageModule = {
  type: 'host-guard',
  compile(config, report) {
    if (!isLoopback(config.host)) return [];
    const params = compileHostGuard(config.allowedHosts, config.allowedOrigins, report);
    const extra = [...config.allowedHosts, ...config.allowedOrigins];
    return [
      {
        type: 'host-guard',
        name: 'host-guard',
        summary: `Host/Origin must be loopback${extra.length ? ` or one of ${extra.join(', ')}` : ''}`,
        create: () => createHostGuardMiddleware(params),
      },
    ];
  },
};
