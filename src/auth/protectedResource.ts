// How a client finds out where to log in (SPEC §9, RFC 9728, MCP authorization): every 401 names
// the protected-resource metadata in its WWW-Authenticate header, and the proxy serves that
// document itself — at /.well-known/oauth-protected-resource and at the path-suffixed form for
// its MCP endpoint (/.well-known/oauth-protected-resource/mcp) — without a token.
//
// The origin is `resourceURL`'s when one is configured (the public URL behind a gateway), else
// the one the client used: Host, or X-Forwarded-Proto/-Host with trust_proxy_headers. A Host that
// is not a plain host[:port] is not echoed (it would land inside a quoted header parameter); the
// listen address is used instead.

import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { RequestContext, StageEndpoint } from '../chain/types.js';

export const METADATA_PATH = '/.well-known/oauth-protected-resource';

const PLAIN_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

export interface ProtectedResourceOptions {
  readonly issuer: string | undefined;
  readonly resourceUrl: string | undefined;
  readonly scopes: readonly string[];
  readonly trustProxyHeaders: boolean;
  /** Where clients connect (`/mcp`, `/sse`): the resource when no resourceURL is set. */
  readonly endpointPath: string;
  /** host:port of the listener, for a request whose Host cannot be used. */
  readonly listenAuthority: string;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

export class ProtectedResource {
  readonly #opts: ProtectedResourceOptions;
  /** Fixed parts, built once when resourceURL makes them independent of the request. */
  readonly #fixedChallenge: { bare: string; invalid: string } | null;
  readonly #fixedBody: string | null;
  readonly endpoints: readonly StageEndpoint[];

  constructor(opts: ProtectedResourceOptions) {
    this.#opts = opts;
    const fixedOrigin = opts.resourceUrl === undefined ? null : new URL(opts.resourceUrl).origin;
    this.#fixedChallenge = fixedOrigin === null ? null : challenges(fixedOrigin);
    this.#fixedBody = fixedOrigin === null ? null : this.#document(opts.resourceUrl!);
    const paths = new Set([METADATA_PATH, `${METADATA_PATH}${opts.endpointPath}`]);
    if (opts.resourceUrl !== undefined) {
      const path = new URL(opts.resourceUrl).pathname.replace(/\/+$/, '');
      if (path !== '') paths.add(`${METADATA_PATH}${path}`);
    }
    const answer = (ctx: RequestContext, res: ServerResponse): void => this.#answer(ctx, res);
    this.endpoints = Object.freeze([...paths].map((path) => Object.freeze({ path, answer })));
  }

  /** The origin the client reached this server at. */
  origin(headers: IncomingHttpHeaders): string {
    const trust = this.#opts.trustProxyHeaders;
    const proto = trust ? first(headers['x-forwarded-proto'])?.trim().toLowerCase() : undefined;
    const host = (trust ? first(headers['x-forwarded-host'])?.split(',')[0]?.trim() : undefined) ?? headers.host;
    const authority = host !== undefined && PLAIN_HOST.test(host) ? host : this.#opts.listenAuthority;
    return `${proto === 'https' ? 'https' : 'http'}://${authority}`;
  }

  /** The WWW-Authenticate value of a 401: with error="invalid_token" when a token was sent. */
  challenge(headers: IncomingHttpHeaders, tokenSent: boolean): string {
    const c = this.#fixedChallenge ?? challenges(this.origin(headers));
    return tokenSent ? c.invalid : c.bare;
  }

  #document(resource: string): string {
    const { issuer, scopes } = this.#opts;
    return JSON.stringify({
      resource,
      ...(issuer !== undefined ? { authorization_servers: [issuer] } : {}),
      bearer_methods_supported: ['header'],
      scopes_supported: scopes,
    });
  }

  #answer(ctx: RequestContext, res: ServerResponse): void {
    // Public discovery data: any page may read it (browser-based MCP clients, the MCP Inspector).
    const cors = {
      'access-control-allow-origin': '*',
      'access-control-allow-methods': 'GET, OPTIONS',
      'access-control-allow-headers': 'mcp-protocol-version, content-type, authorization',
      'access-control-max-age': '86400',
    };
    if (ctx.httpMethod === 'OPTIONS') {
      res.writeHead(204, cors);
      res.end();
      return;
    }
    const body = this.#fixedBody ?? this.#document(`${this.origin(ctx.headers)}${this.#opts.endpointPath}`);
    res.writeHead(200, {
      ...cors,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'cache-control': 'no-store',
    });
    res.end(ctx.httpMethod === 'HEAD' ? undefined : body);
  }
}

function challenges(origin: string): { bare: string; invalid: string } {
  const bare = `Bearer resource_metadata="${origin}${METADATA_PATH}"`;
  return { bare, invalid: `${bare}, error="invalid_token"` };
}
