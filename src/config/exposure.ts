// A listener others can reach, with nothing in front of the tools: the proxy would serve every
// tool to anyone who can reach the port. Not an error (behind a firewall, a mesh or an
// authenticating gateway it is how a server is meant to run), but said at startup and by
// `validate`, as ToolHive warns when it runs without authentication.

import { isLoopback, isWildcard } from '../chain/plan.js';
import type { ProxyConfig } from './types.js';

/** The warning for the listen address of `config`, or null on a loopback address. */
export function exposureWarning(config: ProxyConfig): string | null {
  if (isLoopback(config.host)) return null;
  // With oidc_config every request needs a valid token: the listener is not open.
  if (config.oidc) return null;
  const where = isWildcard(config.host) ? `every interface (${config.host})` : `${config.host}, not a loopback address,`;
  const port = config.port === 0 ? 'its port' : `port ${config.port}`;
  return `listening on ${where} without authentication: anyone who can reach ${port} can call every tool of "${config.name}"`;
}
