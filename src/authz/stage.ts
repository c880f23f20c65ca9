// The authorization stage module (src/chain/stage.ts): present when authz_config or
// authz_config_path is. Compile reads the file and parses every policy with the Cedar engine
// (config.ts), so `validate` refuses a policy `run` could not load, naming its index.
import type { StageModule } from '../chain/stage.js';
import { compileAuthz } from './config.js';
import { AuthorizationStage } from './middleware.js';

export const authorizationStage: StageModule = {
  type: 'authorization',
  compile(config, report) {
    const authz = compileAuthz(config.authz ?? null, report);
    if (authz === null) return [];
    const n = authz.policies.length;
    const entities = authz.entities.length;
    const principal = config.oidc ? "the token's sub and claims" : 'the local user (no oidc_config, as ToolHive)';
    const params = { authz, serverName: config.name, authenticated: Boolean(config.oidc) };
    return [
      {
        type: 'authorization',
        name: 'authorization',
        summary: `Cedar (cedarv1, ${authz.origin}): ${n} ${n === 1 ? 'policy' : 'policies'}, ${entities} ${entities === 1 ? 'entity' : 'entities'}; principal: ${principal}; default deny`,
        create: () => new AuthorizationStage(params),
      },
    ];
  },
};
