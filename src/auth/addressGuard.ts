// SSRF guard for the identity provider's URLs (SPEC §9): unless `allowPrivateIP`, the proxy never
// fetches discovery, JWKS or introspection from a private, loopback, link-local (cloud metadata
// at 169.254.169.254), shared or reserved address. A URL's literal address is checked at load; a
// host name is checked on every connection, on the addresses it resolved to — a name that
// resolves to 10.0.0.5 today is refused, whatever it resolved to at load.

import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';

const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96], // NAT64: the embedded IPv4 address could be any of the above
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(net, prefix, 'ipv6');
}

/** True for an address (not a name) the guard refuses; BlockList also matches ::ffff:a.b.c.d. */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** For a URL's hostname (IPv6 in brackets): true when it is a literal address the guard refuses. */
export function literalAddressBlocked(hostname: string): boolean {
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  return isBlockedAddress(bare);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connect options that resolves like the system does and fails when any
 * resolved address is refused — all of them, so a name with one public and one private address
 * cannot be steered to the private one.
 */
export function guardedLookup(hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void {
  const all: LookupAllOptions = { ...(options as object), all: true };
  dnsLookup(hostname, all, (err, addresses) => {
    if (err) return callback(err, []);
    const bad = addresses.find((a) => isBlockedAddress(a.address));
    if (bad !== undefined) {
      const refused: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to ${bad.address}, a private, loopback or link-local address (allowPrivateIP is off)`,
      );
      refused.code = 'ERR_PRIVATE_ADDRESS';
      return callback(refused, []);
    }
    if (options.all === true) return callback(null, addresses);
    const first = addresses[0];
    if (first === undefined) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
    callback(null, first.address, first.family);
  });
}
