// The terminal for `streamable-http` and `sse` upstreams (SPEC §6): one undici Pool per upstream
// origin, keep-alive, the judged body bytes forwarded as they are, the response streamed back by
// an Exchange (exchange.ts). No overall timeout: an SSE response may stay open for hours; only
// the wait for the response head is bounded (504 after it).

import net from 'node:net';
import type { Logger } from 'pino';
import { Pool } from 'undici';
import type { RequestContext, Terminal } from '../chain/types.js';
import { percentDecoded } from '../config/urlText.js';
import { Exchange } from './exchange.js';
import { upstreamRequestHeaders } from './headers.js';
import { EndpointRewriter } from './sseEndpoint.js';
import { DEFAULT_UPSTREAM_TIMEOUT_MS } from './timeouts.js';

export interface HttpProxyOptions {
  /** e.g. http://127.0.0.1:9000 (no path). */
  readonly origin: string;
  /**
   * remote_url's path ("" for none). It replaces the client's path, as ToolHive's remoteBasePath
   * does; with `sse` only for the stream (GET): messages go where its endpoint event pointed.
   */
  readonly path: string;
  /** remote_url's query without "?" ("" for none), put before the client's query (ToolHive's order). */
  readonly query?: string;
  readonly transport: 'streamable-http' | 'sse';
  readonly trustProxyHeaders: boolean;
  /** oidc_config is set: the client's Authorization (its token for the proxy) is not forwarded. */
  readonly dropAuthorization?: boolean;
  readonly logger: Logger;
  /** Wait for the upstream's response head (default 30 s). */
  readonly headersTimeoutMs?: number;
  /** TCP/TLS connect bound (default 10 s). */
  readonly connectTimeoutMs?: number;
  /**
   * Cap on upstream connections (default: none). Any cap is a trap here: an open SSE stream (a
   * standalone GET, or a long tool call answered with SSE) holds its connection for its whole
   * life, so N open streams would queue every other request behind them forever.
   */
  readonly connections?: number | null;
}

function peerAddress(ctx: RequestContext): string {
  const addr = ctx.req?.socket.remoteAddress ?? ctx.clientIp;
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr;
}

/**
 * A query parameter's name as a server reads it: up to `=`, `+` as a space, `%HH` decoded (an
 * invalid escape kept as written, as lenient decoders keep it).
 */
function parameterName(parameter: string): string {
  const eq = parameter.indexOf('=');
  const raw = (eq === -1 ? parameter : parameter.slice(0, eq)).replace(/\+/g, ' ');
  return raw.includes('%') ? percentDecoded(raw).toString('utf8') : raw;
}

export class HttpProxyTerminal implements Terminal {
  readonly name = 'proxy';
  readonly #pool: Pool;
  readonly #origin: string;
  readonly #path: string;
  /** streamable-http: every request goes to #path; sse: only GET (see #target). */
  readonly #pathForEveryMethod: boolean;
  readonly #query: string;
  /** The parameter names remote_url's query sets (decoded): a client's query may not repeat them. */
  readonly #queryNames: ReadonlySet<string>;
  readonly #host: string;
  readonly #trustProxyHeaders: boolean;
  readonly #dropAuthorization: boolean;
  readonly #headersTimeoutMs: number;
  readonly #rewritesEndpoints: boolean;
  readonly #logger: Logger;

  constructor(opts: HttpProxyOptions) {
    const url = new URL(opts.origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`upstream origin must be http(s): ${opts.origin}`);
    this.#origin = url.origin;
    this.#host = url.host;
    this.#path = opts.path;
    this.#pathForEveryMethod = opts.transport === 'streamable-http';
    this.#query = opts.query ?? '';
    this.#queryNames = new Set(this.#query === '' ? [] : this.#query.split('&').map(parameterName));
    this.#trustProxyHeaders = opts.trustProxyHeaders;
    this.#dropAuthorization = opts.dropAuthorization ?? false;
    this.#headersTimeoutMs = opts.headersTimeoutMs ?? DEFAULT_UPSTREAM_TIMEOUT_MS;
    this.#logger = opts.logger;
    this.#rewritesEndpoints = opts.transport === 'sse';
    this.#pool = new Pool(this.#origin, {
      // Unbounded: one upstream connection per concurrent client request, idle ones kept alive
      // and reused. Concurrency limits belong to the rate limiter, not to a queue in the pool.
      connections: opts.connections ?? null,
      pipelining: 1,
      headersTimeout: this.#headersTimeoutMs,
      // SSE responses have no end and may be quiet for minutes: no body timeout at all.
      bodyTimeout: 0,
      connectTimeout: opts.connectTimeoutMs ?? 10_000,
    });
  }

  forward(ctx: RequestContext): void {
    const res = ctx.res;
    if (res === null) throw new Error('the HTTP proxy needs a live response');
    if (res.destroyed) return; // the client left while the chain ran
    const body = ctx.body;
    const target = this.#target(ctx.httpMethod, ctx.url);
    // A legacy SSE stream (one GET per session): its endpoint event is resolved against the URL
    // the upstream served it at.
    const rewrites = this.#rewritesEndpoints && ctx.httpMethod === 'GET' ? () => new EndpointRewriter(this.#origin, target, this.#query) : null;
    const headers = upstreamRequestHeaders(ctx.headers, {
      upstreamHost: this.#host,
      peerIp: peerAddress(ctx),
      trustProxyHeaders: this.#trustProxyHeaders,
      bodyLength: body === null ? null : body.length,
      trace: ctx.span,
      dropAuthorization: this.#dropAuthorization,
      readsAnswer: ctx.listEdits !== undefined || rewrites !== null,
    });
    const handler = new Exchange(ctx, res, { makeRewriter: rewrites });
    this.#pool.dispatch(
      {
        method: ctx.httpMethod as 'GET',
        path: target,
        headers,
        body,
        headersTimeout: this.#headersTimeoutMs,
        bodyTimeout: 0,
      },
      handler,
    );
  }

  /**
   * The upstream request target. The path: remote_url's when it has one (ToolHive's
   * remoteBasePath replaces the client's: `https://mcp.asana.com/v2/mcp` serves a client's
   * POST /mcp), else the client's. With `sse` only the stream's GET takes remote_url's path; a
   * message POST keeps the client's, which is the path the upstream's endpoint event named
   * (sseEndpoint.ts). The query: remote_url's before the client's, joined by `&` as ToolHive
   * joins them (most servers take the first of a repeated name, so the operator's value wins).
   * Raw text: re-encoding would change what the server reads (a `,` in `toolsets=core,alerting`).
   */
  #target(method: string, url: string): string {
    const replace = this.#path !== '' && (this.#pathForEveryMethod || method === 'GET');
    if (!replace && this.#query === '') return url;
    const q = url.indexOf('?');
    const path = replace ? this.#path : q === -1 ? url : url.slice(0, q);
    const own = q === -1 ? '' : this.#clientParameters(url.slice(q + 1));
    const query = own === '' ? this.#query : this.#query === '' ? own : `${this.#query}&${own}`;
    return query === '' ? path : `${path}?${query}`;
  }

  /**
   * The client's query without the parameters remote_url sets. Servers differ on which of a
   * repeated name they read (PHP, Rails and many Express handlers the last), and no stage judges
   * the query: a client's `toolsets=all` must not replace the operator's `toolsets=core`.
   */
  #clientParameters(own: string): string {
    if (this.#queryNames.size === 0 || own === '') return own;
    const kept = own.split('&').filter((p) => !this.#queryNames.has(parameterName(p)));
    return kept.join('&');
  }

  /** /ready: can a TCP connection to the upstream be opened within the bound? */
  check(timeoutMs: number): Promise<string | undefined> {
    const url = new URL(this.#origin);
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    return new Promise((resolve) => {
      const socket = net.connect({ host, port });
      const done = (reason: string | undefined): void => {
        clearTimeout(timer);
        socket.destroy();
        resolve(reason);
      };
      const timer = setTimeout(() => done(`upstream ${this.#origin} did not accept a connection within ${timeoutMs} ms`), timeoutMs);
      socket.once('connect', () => done(undefined));
      socket.once('error', (err: NodeJS.ErrnoException) => done(`upstream ${this.#origin} unreachable: ${err.code ?? err.message}`));
    });
  }

  async close(): Promise<void> {
    // By now the server has drained or destroyed every client request; what remains is idle.
    await this.#pool.destroy().catch((err: unknown) => this.#logger.debug({ err }, 'closing the upstream pool'));
  }
}
