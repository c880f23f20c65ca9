// The HTTP side of one webhook: a keep-alive undici Pool for the webhook's origin with its TLS
// settings, built once; per call, one POST (with the URL's userinfo as Basic auth, as ToolHive's
// Go client sends it) whose whole exchange (connect, headers, body) is
// bounded by the configured timeout, and whose response body is cut off at 1 MiB while it is
// read. A call never throws: it resolves to what happened, and decision.ts judges it.
// The timeout counts time the event loop was free (src/chain/deadline.ts): a loop blocked by
// the proxy's own work is not the webhook being slow, and must not turn into "timed out ->
// ignored" under failure_policy ignore.

import { Pool } from 'undici';
import type { WebhookConfig } from '../config/types.js';
import { percentDecoded } from '../config/urlText.js';
import { LoopDeadline } from '../chain/deadline.js';
import type { WebhookTlsMaterial } from './tlsMaterial.js';

/** Largest webhook response read (ToolHive's MaxResponseSize). */
export const MAX_RESPONSE_BYTES = 1 << 20;

export type CallFailure = 'timeout' | 'connection' | 'tls' | 'too-large';

export type CallResult =
  | { readonly ok: true; readonly status: number; readonly body: Buffer }
  | { readonly ok: false; readonly failure: CallFailure; readonly status: number | undefined; readonly detail: string };

/** Abort reasons: shared objects, so an outage does not capture a stack trace per request. */
const TIMED_OUT = Object.freeze({ thvWebhook: 'timeout' });
const TOO_LARGE = Object.freeze({ thvWebhook: 'too-large' });
/**
 * undici's own timers back up the per-call deadline, this much later. Below 1 s they are plain
 * setTimeouts, which fire before the poll phase after a blocked loop just as a naive per-call
 * timer would; they must not judge the webhook before the loop-aware deadline does.
 */
const BACKSTOP_MS = 1000;

/** Node/OpenSSL codes of a failed TLS handshake or certificate check. */
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

/**
 * The URL's `user:password@` as Go's http.Client sends it (net/http client.go, send): a Basic
 * Authorization header, user and password percent-decoded; null without userinfo. ToolHive's
 * webhook client sends the configured URL with http.Client.Do, so a replica of either kind
 * authenticates the same way.
 */
function basicAuthorization(url: URL): string | null {
  if (url.username === '' && url.password === '') return null;
  const credentials = Buffer.concat([percentDecoded(url.username), Buffer.from(':'), percentDecoded(url.password)]);
  return `Basic ${credentials.toString('base64')}`;
}

function describe(err: unknown): { code: string | undefined; message: string } {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const cause = (err as { cause?: unknown }).cause;
    const causeMsg = cause instanceof Error && cause.message !== err.message ? ` (${cause.message})` : '';
    return { code: typeof code === 'string' ? code : undefined, message: `${err.message}${causeMsg}` };
  }
  return { code: undefined, message: String(err) };
}

export class WebhookClient {
  readonly #pool: Pool;
  readonly #path: string;
  /** From the URL's userinfo; never logged (SPEC §8). */
  readonly #authorization: string | null;
  readonly #timeoutMs: number;
  readonly #timedOut: CallResult;

  /** `tls`: the webhook's compiled TLS material (tlsMaterial.ts); nothing is read here. */
  constructor(webhook: WebhookConfig, tls: WebhookTlsMaterial) {
    const url = new URL(webhook.url);
    this.#path = `${url.pathname}${url.search}`;
    this.#authorization = basicAuthorization(url);
    this.#timeoutMs = webhook.timeoutMs;
    this.#timedOut = Object.freeze({ ok: false, failure: 'timeout', status: undefined, detail: `timeout after ${webhook.timeoutMs} ms` });
    const { ca, cert, key } = tls;
    this.#pool = new Pool(url.origin, {
      // Backups of the per-call deadline, which resolves the call itself (see call()).
      headersTimeout: webhook.timeoutMs + BACKSTOP_MS,
      bodyTimeout: webhook.timeoutMs + BACKSTOP_MS,
      keepAliveTimeout: 30_000,
      connect: {
        timeout: webhook.timeoutMs + BACKSTOP_MS,
        ...(ca ? { ca } : {}),
        ...(cert ? { cert } : {}),
        ...(key ? { key } : {}),
        rejectUnauthorized: tls.rejectUnauthorized,
      },
    });
  }

  /**
   * POST `body`; resolves within the timeout of free loop time (plus the loop's own delays),
   * never rejects. The deadline resolves the call itself rather than trusting the abort to reach
   * undici in time: a request still waiting for its connection (TCP accepted, TLS handshake never
   * answered) is not released by its signal, only by undici's later connect timeout, which then
   * cleans up. `headers` is the call's own object: Authorization is added to it.
   */
  call(body: Buffer, headers: Record<string, string>): Promise<CallResult> {
    if (this.#authorization !== null) headers.authorization = this.#authorization;
    const controller = new AbortController();
    return new Promise<CallResult>((resolve) => {
      const deadline = new LoopDeadline(
        this.#timeoutMs,
        (timedOut: CallResult) => {
          controller.abort(TIMED_OUT);
          resolve(timedOut);
        },
        this.#timedOut,
      );
      void this.#exchange(body, headers, controller).then((result) => {
        deadline.clear();
        resolve(result);
      });
    });
  }

  async #exchange(body: Buffer, headers: Record<string, string>, controller: AbortController): Promise<CallResult> {
    let status: number | undefined;
    try {
      const res = await this.#pool.request({ path: this.#path, method: 'POST', headers, body, signal: controller.signal });
      status = res.statusCode;
      const declared = Number(res.headers['content-length']);
      if (declared > MAX_RESPONSE_BYTES) {
        controller.abort(TOO_LARGE);
        res.body.destroy();
        return { ok: false, failure: 'too-large', status, detail: `response declares ${declared} bytes, over ${MAX_RESPONSE_BYTES}` };
      }
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        total += chunk.length;
        if (total > MAX_RESPONSE_BYTES) {
          // Stop here: aborting closes the connection instead of draining an unbounded body.
          controller.abort(TOO_LARGE);
          return { ok: false, failure: 'too-large', status, detail: `response passed ${MAX_RESPONSE_BYTES} bytes while reading` };
        }
        chunks.push(chunk);
      }
      return { ok: true, status, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total) };
    } catch (err) {
      return this.#failure(err, controller.signal, status);
    }
  }

  #failure(err: unknown, signal: AbortSignal, status: number | undefined): CallResult {
    if (signal.reason === TIMED_OUT) return this.#timedOut;
    const { code, message } = describe(err);
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return { ok: false, failure: 'timeout', status, detail: `timeout after ${this.#timeoutMs} ms (${code})` };
    }
    const failure: CallFailure = code !== undefined && TLS_CODE.test(code) ? 'tls' : 'connection';
    return { ok: false, failure, status, detail: code ? `${code}: ${message}` : message };
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}
