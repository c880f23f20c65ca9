// Send exact bytes over one TCP connection and read what comes back until the server closes or
// a response head and body have arrived. For requests node's http client refuses to send
// (absolute-form targets, two Host headers, odd Transfer-Encoding).

import net from 'node:net';

export interface RawExchange {
  /** Status code of the first response, or 0 when none arrived. */
  readonly status: number;
  /** Everything received. */
  readonly text: string;
}

export function rawRequest(baseUrl: string, bytes: string | Buffer, timeoutMs = 5000): Promise<RawExchange> {
  const url = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) });
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : 0, text });
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text);
      if (head !== -1 && len && text.length >= head + 4 + Number(len[1])) done();
    });
    socket.on('end', done);
    socket.on('error', done);
    socket.write(bytes);
  });
}

/** A POST with a JSON body and the headers given (one line each, exactly as written). */
export function rawPost(target: string, headerLines: readonly string[], body: string): string {
  return [`POST ${target} HTTP/1.1`, ...headerLines, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}
