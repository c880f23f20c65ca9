// Is a configured host a host name or an IP literal? `host` (listen), `target_host` (pasted into
// the upstream origin), the Redis addresses and `run --host` all go through here, so nothing but
// a host can reach a URL or a socket: "a/b" or "evil@10.0.0.1" pasted into `http://${host}:port`
// would silently name another upstream. Syntax only — names are resolved by `run`, where a
// missing one is a dependency that is down (exit 3), not a config error.

import net from 'node:net';

/** What every message says is expected. */
export const HOST_EXPECTED = 'must be a host name or an IP address (IPv6 bare or in brackets)';

// Letters, digits, "_" (Kubernetes and Docker names use it) and inner "-"; 63 bytes (RFC 1035).
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
// A last label the URL parser (and inet_aton) reads as a number makes the whole host an IPv4
// address: "127.1" is 127.0.0.1 to them and "999.1.1.1" fails late. Only a dotted quad may be one.
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/i;

export interface HostRules {
  /** An IPv6 zone ("fe80::1%eth0") is fine for a listen address; a URL cannot carry one. */
  readonly zone?: boolean;
}

/** Why `host` is not a host name or IP literal, or null when it is one. */
export function hostProblem(host: string, rules: HostRules = {}): string | null {
  const got = `got ${JSON.stringify(host)}`;
  const bracketed = host.startsWith('[') && host.endsWith(']');
  const bare = bracketed ? host.slice(1, -1) : host;
  if (bracketed || bare.includes(':')) {
    if (!net.isIPv6(bare)) return `${HOST_EXPECTED}, ${got}`;
    if (bare.includes('%') && rules.zone !== true) return `an IPv6 zone ("%${bare.split('%')[1]}") cannot be part of a URL: give the address without it, ${got}`;
    return null;
  }
  if (net.isIPv4(host)) return null;
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  const labels = name.split('.');
  if (name.length === 0 || name.length > 253 || !labels.every((l) => LABEL.test(l))) return `${HOST_EXPECTED}, ${got}`;
  if (NUMERIC_LABEL.test(labels[labels.length - 1] as string)) return `not a valid IPv4 address (four numbers 0-255, no leading zeros) nor a host name, ${got}`;
  return null;
}

/** The host without IPv6 brackets: what a socket is given ("[::1]" -> "::1"). */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
