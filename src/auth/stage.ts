// The authentication stage module (src/chain/stage.ts): present when oidc_config is. Compile reads
// the config once (oidcConfig.ts: keys in any case, URLs and guards checked, CA bundle parsed);
// create builds the stage, which reaches the identity provider only in start() (exit 3 there).
import type { StageModule } from '../chain/stage.js';
import type { ProxyConfig } from '../config/types.js';
import { AuthenticationStage } from './middleware.js';
import { compileOidcConfig, type OidcSettings } from './oidcConfig.js';

/** Where clients connect: the resource a token is for when no resourceURL is set. */
function clientPath(config: ProxyConfig): string {
  const u = config.upstream;
  return (u.kind === 'http' ? u.transport : u.proxyMode) === 'sse' ? '/sse' : '/mcp';
}

function summary(s: OidcSettings): string {
  const parts = [s.issuer !== undefined ? `issuer ${s.issuer}` : `jwks ${s.jwksUrl}`];
  if (s.issuer !== undefined && s.jwksUrl !== undefined) parts.push(`jwks ${s.jwksUrl}`);
  parts.push(s.audience !== undefined ? `audience ${s.audience}` : 'any audience');
  if (s.introspectionUrl !== undefined) parts.push(`introspection ${s.introspectionUrl}`);
  if (s.resourceUrl !== undefined) parts.push(`resource ${s.resourceUrl}`);
  if (s.insecureAllowHttp) parts.push('http allowed');
  if (s.allowPrivateIp) parts.push('private addresses allowed');
  return parts.join('; ');
}

export const authenticationStage: StageModule = {
  type: 'authentication',
  compile(config, report) {
    if (!config.oidc) return [];
    const settings = compileOidcConfig(config.oidc, report);
    if (settings === null) return [];
    const host = config.host.includes(':') && !config.host.startsWith('[') ? `[${config.host}]` : config.host;
    const params = {
      settings,
      resource: { trustProxyHeaders: config.trustProxyHeaders, endpointPath: clientPath(config), listenAuthority: `${host}:${config.port}` },
    };
    return [
      {
        type: 'authentication',
        name: 'authentication',
        summary: summary(settings),
        create: (deps) =>
          new AuthenticationStage(params, { logger: deps.logger, ...(deps.jwksCooldownMs !== undefined ? { jwks: { cooldownMs: deps.jwksCooldownMs } } : {}) }),
      },
    ];
  },
};
