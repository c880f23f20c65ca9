// The legacy SSE transport (MCP 2024-11-05) opens with `event: endpoint` whose data is the URL the
// client must POST to. Behind the proxy that URL must still point at the proxy (SPEC §6): it is
// resolved against the URL the upstream served the stream at (clients resolve it against theirs,
// the proxy's /sse, which would lose a relative one's directory) and, when it names the upstream,
// handed to the client as a path, which the proxy forwards as it is (httpProxy.ts). Only the
// start of a GET /sse stream is inspected; once the endpoint event has passed (or 64 KiB
// without one), bytes flow through untouched.

const SCAN_LIMIT = 64 * 1024;
const EVENT_END = /\r?\n\r?\n|\r\r/;

export class EndpointRewriter {
  readonly #upstreamOrigin: string;
  /** Where the upstream served this stream: the base of a relative endpoint. */
  readonly #streamUrl: string;
  /** The parameters of remote_url's query: the proxy adds them itself, and they may hold a key. */
  readonly #ownParameters: ReadonlySet<string>;
  #pending = '';
  #done = false;

  /**
   * `streamTarget`: the request target the stream was fetched with upstream.
   * `query`: remote_url's query, which the proxy adds to every request; its parameters are
   * removed from endpoints, so a server that echoes them does not hand the key to clients.
   */
  constructor(upstreamOrigin: string, streamTarget: string, query = '') {
    this.#upstreamOrigin = upstreamOrigin;
    this.#streamUrl = `${upstreamOrigin}${streamTarget}`;
    this.#ownParameters = new Set(query === '' ? [] : query.split('&'));
  }

  /** Feed a chunk; returns what may be sent now (null while an event is still incomplete). */
  push(chunk: Buffer): Buffer | null {
    if (this.#done) return chunk;
    this.#pending += chunk.toString('utf8');
    let out = '';
    for (;;) {
      const m = EVENT_END.exec(this.#pending);
      if (!m) break;
      const end = m.index + m[0].length;
      const block = this.#pending.slice(0, end);
      this.#pending = this.#pending.slice(end);
      const rewritten = this.#rewriteBlock(block);
      out += rewritten ?? block;
      if (rewritten !== undefined) {
        this.#done = true;
        break;
      }
    }
    if (this.#done || this.#pending.length > SCAN_LIMIT) {
      this.#done = true;
      out += this.#pending;
      this.#pending = '';
    }
    return out === '' ? null : Buffer.from(out, 'utf8');
  }

  /** Whatever is still held back when the stream ends. */
  flush(): Buffer | null {
    const rest = this.#pending;
    this.#pending = '';
    this.#done = true;
    return rest === '' ? null : Buffer.from(rest, 'utf8');
  }

  /** The block with its endpoint data rewritten, or undefined when it is not the endpoint event. */
  #rewriteBlock(block: string): string | undefined {
    if (!/^event:\s?endpoint\s*$/m.test(block)) return undefined;
    return block.replace(/^data:\s?(.*)$/m, (_line, value: string) => `data: ${this.endpointPath(value.trim())}`);
  }

  /** The endpoint as the client must see it (exported for tests through the instance). */
  endpointPath(value: string): string {
    let url: URL;
    try {
      url = new URL(value, this.#streamUrl);
    } catch {
      return value;
    }
    // Someone else's absolute URL (a deliberate redirect to another host) is left alone.
    if (url.origin !== this.#upstreamOrigin) return value;
    const path = `${url.pathname}${url.search}${url.hash}`;
    return this.#ownParameters.size === 0 ? path : this.#withoutOwnParameters(path);
  }

  #withoutOwnParameters(path: string): string {
    const q = path.indexOf('?');
    if (q === -1) return path;
    const hash = path.indexOf('#', q);
    const end = hash === -1 ? path.length : hash;
    const kept = path.slice(q + 1, end).split('&').filter((p) => !this.#ownParameters.has(p));
    return `${path.slice(0, q)}${kept.length === 0 ? '' : `?${kept.join('&')}`}${path.slice(end)}`;
  }
}
