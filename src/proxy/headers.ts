// Header rules of SPEC §6, in one place: which request headers reach the upstream, which response
// headers reach the client. End-to-end headers (Mcp-Session-Id, Mcp-Protocol-Version,
// Last-Event-ID, Accept, Authorization, Content-Type, anything else a user sends) pass; hop-by-hop
// headers (RFC 9110 §7.6.1) and the names listed in Connection stop at the proxy. With
// authentication on, Authorization stops here too (SPEC §9): the token was for the proxy, and
// ToolHive does not pass it on either.

import type { IncomingHttpHeaders } from 'node:http';
import type { RequestSpan } from '../chain/types.js';

/** Hop-by-hop headers: they describe one connection, not the message (RFC 9110 §7.6.1). */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Request headers the proxy sets itself rather than copying. */
const REPLACED_ON_REQUEST: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  // Judged, then written canonically: a charset or a coding the upstream honours would make it
  // read other bytes than the parser did (SPEC §3). The parser refused every other value.
  'content-type',
  'content-encoding',
  // RFC 7239's form of X-Forwarded-*: only trusted when trust_proxy_headers says so.
  'forwarded',
  // The body was read in full before forwarding; a 100-continue dance with the upstream is moot.
  'expect',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
]);

/** Request headers never copied as they are: hop-by-hop ones and the ones set by the proxy. */
const NOT_COPIED_ON_REQUEST: ReadonlySet<string> = new Set([...HOP_BY_HOP, ...REPLACED_ON_REQUEST]);
/** The same when the proxy itself authenticated the request: the bearer token stays here. */
const NOT_COPIED_AUTHENTICATED: ReadonlySet<string> = new Set([...NOT_COPIED_ON_REQUEST, 'authorization']);

/** Starts with "proxy-" (hop-by-hop by convention); the first-letter test keeps it cheap. */
function isProxyName(name: string): boolean {
  return name.charCodeAt(0) === 112 /* p */ && name.startsWith('proxy-');
}

export type OutgoingHeaders = Record<string, string | string[]>;

/** Lower-case names listed in a Connection header ("close, x-foo" -> {close, x-foo}). */
function connectionTokens(value: string | string[] | undefined): ReadonlySet<string> | null {
  if (value === undefined) return null;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === '' || text.toLowerCase() === 'keep-alive' || text.toLowerCase() === 'close') return null;
  return new Set(text.split(',').map((t) => t.trim().toLowerCase()));
}

function isHopByHop(name: string, listed: ReadonlySet<string> | null): boolean {
  return HOP_BY_HOP.has(name) || isProxyName(name) || (listed !== null && listed.has(name));
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export interface ForwardFacts {
  /** Host header for the upstream (its own authority). */
  readonly upstreamHost: string;
  /** Address of the peer that connected to us (appended to X-Forwarded-For). */
  readonly peerIp: string;
  /** Keep the client's X-Forwarded-Proto/-Host (set only when trust_proxy_headers). */
  readonly trustProxyHeaders: boolean;
  /** Bytes of the body that will be sent; null for none. */
  readonly bodyLength: number | null;
  /** The request's span when traced (SPEC §12): its traceparent replaces the client's. */
  readonly trace?: RequestSpan | null | undefined;
  /** The proxy authenticated the request (oidc_config): Authorization is not forwarded. */
  readonly dropAuthorization?: boolean | undefined;
  /**
   * The proxy reads the answer (a list it filters, a legacy SSE stream whose endpoint event it
   * rewrites): ask for it unencoded. A gzip answer would pass the filter unread (SPEC §10).
   */
  readonly readsAnswer?: boolean | undefined;
}

/** The headers sent upstream for one request (a new object; `incoming` is not changed). */
export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, facts: ForwardFacts): OutgoingHeaders {
  const listed = connectionTokens(incoming.connection);
  const notCopied = facts.dropAuthorization === true ? NOT_COPIED_AUTHENTICATED : NOT_COPIED_ON_REQUEST;
  const out: OutgoingHeaders = {};
  if (listed === null) {
    // Fast path (the usual request: no Connection header naming other headers): one set lookup.
    for (const name in incoming) {
      if (notCopied.has(name) || isProxyName(name)) continue;
      const value = incoming[name];
      if (value !== undefined) out[name] = value;
    }
  } else {
    for (const name in incoming) {
      if (notCopied.has(name) || isHopByHop(name, listed)) continue;
      const value = incoming[name];
      if (value !== undefined) out[name] = value;
    }
  }
  out.host = facts.upstreamHost;
  if (facts.readsAnswer === true) out['accept-encoding'] = 'identity';
  if (facts.bodyLength !== null) {
    out['content-length'] = String(facts.bodyLength);
    // Every body that reaches here was parsed as UTF-8 JSON (a POST) or refused (SPEC §3).
    if (facts.bodyLength > 0) out['content-type'] = 'application/json';
  }

  // A client's own X-Forwarded-For / Forwarded is its word, not a hop: kept only when the operator
  // says a trusted proxy sits in front (trust_proxy_headers), else replaced by the peer address.
  if (facts.trustProxyHeaders) {
    const priorFor = incoming['x-forwarded-for'];
    const prior = Array.isArray(priorFor) ? priorFor.join(', ') : priorFor;
    out['x-forwarded-for'] = prior ? `${prior}, ${facts.peerIp}` : facts.peerIp;
    const forwarded = incoming.forwarded;
    if (forwarded !== undefined) out.forwarded = forwarded;
  } else {
    out['x-forwarded-for'] = facts.peerIp;
  }
  const proto = facts.trustProxyHeaders ? first(incoming['x-forwarded-proto']) : undefined;
  out['x-forwarded-proto'] = proto ?? 'http';
  const host = (facts.trustProxyHeaders ? first(incoming['x-forwarded-host']) : undefined) ?? incoming.host;
  if (host !== undefined) out['x-forwarded-host'] = host;
  const trace = facts.trace;
  if (trace) {
    // The upstream's parent is the proxy's span, which itself continues the client's trace.
    out.traceparent = trace.traceparent;
    if (trace.tracestate !== undefined) out.tracestate = trace.tracestate;
  }
  return out;
}

/**
 * The upstream response's headers without the hop-by-hop ones, as a new object: copying the kept
 * ones leaves a fast-properties object, where deleting from undici's (as before) left a dictionary
 * that node's header writer then walked slowly.
 */
export function clientResponseHeaders(headers: OutgoingHeaders): OutgoingHeaders {
  const listed = connectionTokens(headers.connection);
  const out: OutgoingHeaders = {};
  // Own names only: a `for in` would also copy what an odd header name (`__proto__`, repeated)
  // can put on undici's object's prototype; node writes own headers only, and so do we.
  for (const name of Object.keys(headers)) {
    if (!isHopByHop(name, listed)) out[name] = headers[name]!;
  }
  return out;
}

/** True when the media type of a Content-Type value is text/event-stream. */
export function isEventStream(contentType: string | string[] | undefined): boolean {
  const value = first(contentType);
  if (value === undefined) return false;
  const semi = value.indexOf(';');
  return (semi === -1 ? value : value.slice(0, semi)).trim().toLowerCase() === 'text/event-stream';
}

/**
 * SSE responses must not be buffered by anything between us and the client (SPEC §6): nginx
 * honours X-Accel-Buffering, caches and most others honour Cache-Control.
 */
export function markUnbuffered(headers: OutgoingHeaders): void {
  headers['x-accel-buffering'] = 'no';
  const cc = first(headers['cache-control']);
  if (cc === undefined || !/\bno-cache\b/i.test(cc)) headers['cache-control'] = 'no-cache';
}
