// Stage 2 of the chain (SPEC §6): DNS-rebinding protection. A page on evil.com whose name is
// rebound to 127.0.0.1 reaches a loopback proxy with `Host: evil.com` and `Origin:
// http://evil.com`; the upstream behind us only ever sees our own Host, so it cannot tell.
// The plan includes this stage only when the proxy listens on loopback.
//
// Matching rules (docs/configuration.md repeats them), all case-insensitive, a trailing dot on a
// hostname ignored:
// - Host: its hostname must be `localhost`, `127.0.0.1` or `[::1]` (any port), or be listed in
//   `allowed_hosts`. An entry `name` allows that hostname on any port; an entry `name:port`
//   allows exactly that hostname and port (a Host without a port does not match it). IPv6
//   entries may be written `[::1]`, `[fe80::1]:8080` or bare `fe80::1`. A missing, empty or
//   malformed Host is refused (HTTP/1.1 requires one).
// - Origin (only when sent): allowed when its hostname is loopback (any scheme, any port), when
//   the whole origin equals an `allowed_origins` entry written with a scheme
//   (`https://app.example.com`), or when its host matches an entry written without a scheme
//   (`app.example.com` or `app.example.com:3000`, the same rule as for Host). `Origin: null`
//   (sandboxed frames, file: pages) is refused unless `null` itself is listed.
// Hosts and origins are separate lists: an allowed_hosts entry does not allow that Origin.

import { Rejection } from '../errors.js';
import type { Middleware, RequestContext, StageResult } from '../chain/types.js';

const LOOPBACK_HOSTNAMES: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);
const PORT = /^[0-9]*$/;

interface HostPort {
  /** Lower-case; IPv6 literals keep their brackets; no trailing dot. */
  readonly hostname: string;
  /** '' when none was given. */
  readonly port: string;
}

/**
 * Split `host[:port]` / `[v6][:port]`. `bareIpv6` accepts `fe80::1` (config entries only: in a
 * Host header it would be ambiguous). Returns undefined when malformed.
 */
function splitHostPort(value: string, bareIpv6: boolean): HostPort | undefined {
  const text = value.trim().toLowerCase();
  let hostname: string;
  let port = '';
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end === -1) return undefined;
    hostname = text.slice(0, end + 1);
    const rest = text.slice(end + 1);
    if (rest !== '') {
      if (rest[0] !== ':') return undefined;
      port = rest.slice(1);
    }
  } else {
    const colon = text.indexOf(':');
    if (colon !== -1 && text.indexOf(':', colon + 1) !== -1) {
      if (!bareIpv6) return undefined;
      hostname = `[${text}]`;
    } else if (colon === -1) {
      hostname = text;
    } else {
      hostname = text.slice(0, colon);
      port = text.slice(colon + 1);
    }
  }
  if (hostname.endsWith('.')) hostname = hostname.slice(0, -1);
  if (hostname === '' || hostname === '[]' || !PORT.test(port) || hostname.includes('/') || hostname.includes('@')) return undefined;
  return { hostname, port };
}

/** Host entries compiled once: hostnames on any port, and exact `hostname:port` pairs. */
class HostRules {
  readonly #anyPort = new Set<string>();
  readonly #exact = new Set<string>();

  add(hp: HostPort): void {
    if (hp.port === '') this.#anyPort.add(hp.hostname);
    else this.#exact.add(`${hp.hostname}:${hp.port}`);
  }

  allows(hp: HostPort): boolean {
    return (
      LOOPBACK_HOSTNAMES.has(hp.hostname) ||
      this.#anyPort.has(hp.hostname) ||
      (hp.port !== '' && this.#exact.has(`${hp.hostname}:${hp.port}`))
    );
  }
}

/** What the guard compares with, parsed once from allowed_hosts / allowed_origins. */
export interface HostGuardParams {
  readonly hosts: HostRules;
  /** allowed_origins entries written with a scheme, compared whole. */
  readonly origins: ReadonlySet<string>;
  /** allowed_origins entries written without a scheme, compared with the origin's host. */
  readonly originHosts: HostRules;
}

/** Where compile reports a problem: (JSON pointer, message). */
export type Report = (pointer: string, message: string) => void;

/**
 * Parse the entries once (the compile step of the host-guard stage). An entry that cannot be
 * read is reported with its pointer, so `validate` refuses what `run` could not enforce.
 */
export function compileHostGuard(allowedHosts: readonly string[], allowedOrigins: readonly string[], report: Report): HostGuardParams {
  const hosts = new HostRules();
  allowedHosts.forEach((entry, i) => {
    const hp = splitHostPort(entry, true);
    if (hp) hosts.add(hp);
    else report(`/allowed_hosts/${i}`, `cannot read ${JSON.stringify(entry)} as a host or host:port (a Host entry has no scheme or path, e.g. "app.example.com" or "app.example.com:8443")`);
  });
  const origins = new Set<string>();
  const originHosts = new HostRules();
  allowedOrigins.forEach((entry, i) => {
    const text = entry.trim().toLowerCase();
    if (text === 'null') return void origins.add(text);
    if (text.includes('://')) {
      const origin = text.endsWith('/') ? text.slice(0, -1) : text;
      if (originHost(origin) === undefined) report(`/allowed_origins/${i}`, `cannot read ${JSON.stringify(entry)} as an origin (scheme://host[:port], no path)`);
      else origins.add(origin);
      return;
    }
    const hp = splitHostPort(text, true);
    if (hp) originHosts.add(hp);
    else report(`/allowed_origins/${i}`, `cannot read ${JSON.stringify(entry)} as an origin or a host[:port]`);
  });
  return { hosts, origins, originHosts };
}

/** `scheme://host[:port]` -> its host part, or undefined when it is not such an origin. */
function originHost(origin: string): HostPort | undefined {
  const sep = origin.indexOf('://');
  if (sep <= 0) return undefined;
  const authority = origin.slice(sep + 3);
  if (authority.includes('/')) return undefined;
  return splitHostPort(authority, false);
}

class HostGuardMiddleware implements Middleware {
  readonly name = 'host-guard';
  /** /ready names the upstream: a rebinding page must not read it either. */
  readonly guardsProbes = true;
  readonly #hosts: HostRules;
  readonly #origins: ReadonlySet<string>;
  readonly #originHosts: HostRules;

  constructor(params: HostGuardParams) {
    this.#hosts = params.hosts;
    this.#origins = params.origins;
    this.#originHosts = params.originHosts;
  }

  #originAllowed(origin: string): boolean {
    const text = origin.trim().toLowerCase();
    if (this.#origins.has(text)) return true;
    const hp = originHost(text);
    return hp !== undefined && this.#originHosts.allows(hp);
  }

  handle(ctx: RequestContext): StageResult {
    const host = ctx.headers.host;
    const hp = host === undefined ? undefined : splitHostPort(host, false);
    if (hp === undefined || !this.#hosts.allows(hp)) {
      const reason = host === undefined ? 'no Host header' : `Host ${JSON.stringify(host)} not allowed`;
      if (ctx.trace) ctx.note = { summary: reason, facts: { host: host ?? null } };
      return new Rejection('HOST_NOT_ALLOWED', undefined, { reason });
    }
    const origin = ctx.headers.origin;
    if (origin !== undefined && !this.#originAllowed(origin)) {
      const reason = `Origin ${JSON.stringify(origin)} not allowed`;
      if (ctx.trace) ctx.note = { summary: reason, facts: { host, origin } };
      return new Rejection('HOST_NOT_ALLOWED', undefined, { reason });
    }
    if (ctx.trace) {
      ctx.note = {
        summary: origin === undefined ? `Host ${host} allowed` : `Host ${host}, Origin ${origin} allowed`,
        facts: { host, origin: origin ?? null },
      };
    }
    return undefined;
  }
}

export function createHostGuardMiddleware(params: HostGuardParams): Middleware {
  return new HostGuardMiddleware(params);
}
