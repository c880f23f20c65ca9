// Is the proxy's listen address a loopback one? That decides whether the DNS-rebinding guard
// runs (SPEC §6), so every way of writing a loopback address must count: `127.0.0.1`,
// `127.1.2.3`, `localhost`, `LOCALHOST`, `localhost.`, `::1`, `[::1]`, `0:0:0:0:0:0:0:1`,
// `::ffff:127.0.0.1` (an IPv4-mapped IPv6 address). A missed spelling would switch the guard off
// silently. `0.0.0.0` and `::` are not loopback: they listen everywhere.

import net from 'node:net';

/** Canonical text of an IP address (IPv6 compressed, lower-case), or undefined when not an IP. */
function canonicalIp(host: string): string | undefined {
  const bracketless = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (net.isIPv4(bracketless)) return bracketless;
  if (!net.isIPv6(bracketless)) return undefined;
  // A zone ("fe80::1%eth0", a valid listen address) names an interface; the URL parser refuses it.
  const bare = bracketless.split('%')[0] as string;
  // The URL parser compresses and lower-cases IPv6 literals and writes mapped IPv4 in hex.
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

function isLoopbackIpv4(ip: string): boolean {
  return ip.startsWith('127.');
}

/** `::ffff:7f00:1` (how the URL parser writes ::ffff:127.0.0.1) -> is that IPv4 in 127/8? */
function isMappedLoopback(ip: string): boolean {
  const m = /^::ffff:([0-9a-f]{1,4}):[0-9a-f]{1,4}$/.exec(ip);
  return m !== null && (Number.parseInt(m[1]!, 16) >> 8) === 127;
}

/** True when `host` (a listen address as configured) is a loopback address or name. */
export function isLoopback(host: string): boolean {
  let name = host.trim().toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const ip = canonicalIp(name);
  if (ip === undefined) return false;
  if (net.isIPv4(ip)) return isLoopbackIpv4(ip);
  return ip === '::1' || isMappedLoopback(ip);
}

/** True for the wildcard addresses that listen on every interface. */
export function isWildcard(host: string): boolean {
  const ip = canonicalIp(host.trim());
  return ip === '0.0.0.0' || ip === '::';
}
