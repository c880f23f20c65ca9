// The environment a stdio MCP server starts with: a short list of variables inherited from the
// proxy, plus the config's env_vars (which win). Not the whole environment: the proxy's own
// secrets (THV_SESSION_REDIS_PASSWORD, webhook secrets referenced as env:NAME, cloud
// credentials) must not leak into a third-party server. The list follows what the MCP SDK's
// stdio client inherits, plus locale, temp dir, time zone and TLS trust settings, without which
// many servers misbehave. docs/stdio.md repeats it.

const INHERITED_POSIX = [
  'HOME', 'LOGNAME', 'PATH', 'SHELL', 'TERM', 'USER',
  'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR',
] as const;

const INHERITED_WINDOWS = [
  'APPDATA', 'HOMEDRIVE', 'HOMEPATH', 'LOCALAPPDATA', 'PATH', 'PATHEXT', 'PROCESSOR_ARCHITECTURE',
  'SYSTEMDRIVE', 'SYSTEMROOT', 'TEMP', 'TMP', 'USERNAME', 'USERPROFILE', 'PROGRAMFILES', 'COMSPEC',
  'NODE_EXTRA_CA_CERTS',
] as const;

export const INHERITED_ENV: readonly string[] = process.platform === 'win32' ? INHERITED_WINDOWS : INHERITED_POSIX;

export function childEnvironment(
  envVars: Readonly<Record<string, string>>,
  parent: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED_ENV) {
    const value = parent[name];
    // A value starting with "()" is a bash exported function (Shellshock vector); the SDK skips them too.
    if (value !== undefined && !value.startsWith('()')) env[name] = value;
  }
  return Object.assign(env, envVars);
}
