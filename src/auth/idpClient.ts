// The one HTTP client that talks to the identity provider (discovery, JWKS, introspection), with
// the guards of SPEC §9 built into its connector: https unless insecureAllowHTTP, no private or
// loopback address unless allowPrivateIP (checked on what a name resolves to, at every connect),
// the cacertPath CA trusted besides the system's. It follows no redirect (a redirect to an
// internal address is the classic way round an SSRF check), reads at most 1 MiB, and bounds
// every call. Errors are plain sentences naming the URL, never a token or a secret.

import { readFile } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { Agent, request } from 'undici';
import { guardedLookup, literalAddressBlocked } from './addressGuard.js';

/** Larger than any real discovery document, JWKS or introspection answer. */
export const MAX_IDP_RESPONSE_BYTES = 1 << 20;
/** One call to the provider, connect to last byte (ToolHive bounds JWKS registration at 5 s). */
export const IDP_TIMEOUT_MS = 5000;

export interface IdpClientOptions {
  readonly ca: Buffer | undefined;
  readonly allowPrivateIp: boolean;
  readonly insecureAllowHttp: boolean;
  /** Sent as `Authorization: Bearer` with discovery and JWKS requests (read at each call). */
  readonly authTokenFile: string | undefined;
  readonly timeoutMs?: number;
}

export interface IdpResponse {
  readonly status: number;
  readonly body: unknown;
}

export class IdpClient {
  readonly #agent: Agent;
  readonly #opts: IdpClientOptions;
  readonly #timeoutMs: number;

  constructor(opts: IdpClientOptions) {
    this.#opts = opts;
    this.#timeoutMs = opts.timeoutMs ?? IDP_TIMEOUT_MS;
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      headersTimeout: this.#timeoutMs,
      bodyTimeout: this.#timeoutMs,
      connect: {
        timeout: this.#timeoutMs,
        ...(opts.ca ? { ca: [...rootCertificates, opts.ca.toString('utf8')] } : {}),
        ...(opts.allowPrivateIp ? {} : { lookup: guardedLookup }),
      },
    });
  }

  /** Refuse a URL the guards forbid before any byte is sent (discovered URLs reach here unchecked). */
  #check(url: URL): void {
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.#opts.insecureAllowHttp)) {
      throw new Error(`${url.href} is not https (set insecureAllowHTTP only for a local test provider)`);
    }
    // A literal address never passes through lookup: check it here.
    if (!this.#opts.allowPrivateIp && literalAddressBlocked(url.hostname)) {
      throw new Error(`${url.href} names a private, loopback or link-local address (allowPrivateIP is off)`);
    }
  }

  async #bearer(): Promise<string | undefined> {
    const file = this.#opts.authTokenFile;
    if (file === undefined) return undefined;
    // Read each time: service-account tokens are rotated on disk.
    const token = (await readFile(file, 'utf8')).trim();
    return token === '' ? undefined : `Bearer ${token}`;
  }

  /** GET a JSON document; anything but 200 with JSON is an error. */
  async getJson(href: string): Promise<unknown> {
    const auth = await this.#bearer().catch((err: unknown) => {
      throw new Error(`cannot read authTokenFile: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    });
    const res = await this.#send(href, 'GET', auth === undefined ? {} : { authorization: auth }, undefined);
    if (res.status !== 200) throw new Error(`${href} answered HTTP ${res.status}`);
    return res.body;
  }

  /** POST a form (introspection); the status is the caller's to judge. */
  postForm(href: string, form: string, authorization: string | undefined): Promise<IdpResponse> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (authorization !== undefined) headers.authorization = authorization;
    return this.#send(href, 'POST', headers, form);
  }

  async #send(href: string, method: 'GET' | 'POST', headers: Record<string, string>, body: string | undefined): Promise<IdpResponse> {
    const url = new URL(href);
    this.#check(url);
    const signal = AbortSignal.timeout(this.#timeoutMs);
    let res;
    try {
      res = await request(url, {
        method,
        dispatcher: this.#agent,
        headers: { accept: 'application/json', 'user-agent': 'thv-proxy', ...headers },
        body,
        signal,
        // undici's request follows no redirect (there is no redirect interceptor on this agent).
      });
    } catch (err) {
      throw new Error(`${url.origin}${url.pathname}: ${reason(err)}`, { cause: err });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > MAX_IDP_RESPONSE_BYTES) {
          res.body.destroy();
          throw new Error(`answer larger than ${MAX_IDP_RESPONSE_BYTES} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      throw new Error(`${url.origin}${url.pathname}: ${reason(err)}`, { cause: err });
    }
    const text = Buffer.concat(chunks).toString('utf8');
    let parsed: unknown;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      if (res.statusCode === 200) throw new Error(`${url.origin}${url.pathname}: answer is not JSON`);
    }
    return { status: res.statusCode, body: parsed };
  }

  close(): Promise<void> {
    return this.#agent.close();
  }
}

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return 'no answer in time';
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: unknown }).code;
  if (cause instanceof Error && cause.message !== err.message) return `${err.message} (${cause.message})`;
  return typeof code === 'string' && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
}
