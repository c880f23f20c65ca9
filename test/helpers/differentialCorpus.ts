// The corpus of the parse-differential test (issue 17 defects 1 and 9): requests whose bytes or
// headers may mean one thing to the proxy's parser and another to an upstream, each sent as raw
// bytes on its own TCP connection so that framing, header order and duplicates are exact.

import net from 'node:net';
import { gzipSync } from 'node:zlib';

export interface CorpusEntry {
  readonly name: string;
  /** The body for JSON-RPC id `id`. */
  body(id: number): Buffer;
  /** Header lines besides Host, Accept, the session headers, Content-Length and Connection. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Request target made from the stack's POST path ('/mcp' or '/messages'); default: the path. */
  readonly target?: (path: string) => string;
  /** 'length' (default): Content-Length; 'chunked': chunked body; 'both': chunked and Content-Length. */
  readonly framing?: 'length' | 'chunked' | 'both';
  /** A control: must be executed once, charged once and seen by the webhook once. */
  readonly control?: boolean;
}

const ARGS = '{"text":"hi"}';

/** A tools/call of `echo` as JSON text; `method` replaces the method string as written. */
export function callText(id: number | null, method = 'tools/call', args = ARGS): string {
  const idPart = id === null ? '' : `"id":${id},`;
  return `{"jsonrpc":"2.0",${idPart}"method":"${method}","params":{"name":"echo","arguments":${args}}}`;
}

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');
const ct = (value: string): Array<[string, string]> => [['Content-Type', value]];

function utf16be(s: string): Buffer {
  return Buffer.from(s, 'utf16le').swap16();
}

/** `s` as one UTF-7 base64 run (RFC 2152): "+<base64 of UTF-16BE, unpadded>-". */
function utf7Run(s: string): string {
  return `+${utf16be(s).toString('base64').replace(/=+$/, '')}-`;
}

/** "tools/call" with its slash written in UTF-7 ("+AC8-"): ASCII, so valid UTF-8 JSON too. */
const UTF7_METHOD = 'tools+AC8-call';

export const CORPUS: readonly CorpusEntry[] = [
  { name: 'control: plain tools/call, application/json', control: true, headers: ct('application/json'), body: (id) => utf8(callText(id)) },
  { name: 'control: charset=utf-8', control: true, headers: ct('application/json; charset=utf-8'), body: (id) => utf8(callText(id)) },
  { name: 'utf-7: "tools+AC8-call", charset=utf-7', headers: ct('application/json; charset=utf-7'), body: (id) => utf8(callText(id, UTF7_METHOD)) },
  { name: 'utf-7: uppercase APPLICATION/JSON; CHARSET=UTF-7', headers: ct('APPLICATION/JSON; CHARSET=UTF-7'), body: (id) => utf8(callText(id, UTF7_METHOD)) },
  { name: 'utf-7: quoted charset="utf-7"', headers: ct('application/json; charset="utf-7"'), body: (id) => utf8(callText(id, UTF7_METHOD)) },
  { name: 'utf-7: charset=utf7 (no hyphen)', headers: ct('application/json; charset=utf7'), body: (id) => utf8(callText(id, UTF7_METHOD)) },
  { name: 'utf-7: alias charset=unicode-1-1-utf-7', headers: ct('application/json; charset=unicode-1-1-utf-7'), body: (id) => utf8(callText(id, UTF7_METHOD)) },
  { name: 'utf-7: duplicated charset parameter (utf-8 first, utf-7 last)', headers: ct('application/json; charset=utf-8; charset=utf-7'), body: (id) => utf8(callText(id, UTF7_METHOD)) },
  { name: 'utf-7: no spaces, extra parameter after it', headers: ct('application/json;charset=utf-7;q=1'), body: (id) => utf8(callText(id, UTF7_METHOD)) },
  { name: 'utf-7: whole method as one base64 run', headers: ct('application/json; charset=utf-7'), body: (id) => utf8(callText(id, utf7Run('tools/call'))) },
  {
    // One "method" in the proxy's view (tools/list); the upstream's decoding closes the argument
    // string and adds a second "method" and "params" after it, and JSON.parse keeps the last.
    // No extra members: the SDK refuses unknown top-level keys.
    name: 'utf-7: a second "method":"tools/call" smuggled inside an argument string (proxy sees tools/list)',
    headers: ct('application/json; charset=utf-7'),
    body: (id) => {
      const hidden = utf7Run(`"}},"method":"tools/call","params":{"name":"echo","arguments":{"text":"`);
      return utf8(`{"jsonrpc":"2.0","id":${id},"method":"tools/list","params":{"name":"echo","arguments":{"text":"${hidden}"}}}`);
    },
  },
  { name: 'utf-7-imap: "tools&AC8-call", charset=utf-7-imap', headers: ct('application/json; charset=utf-7-imap'), body: (id) => utf8(callText(id, 'tools&AC8-call')) },
  { name: 'utf-16le body, charset=utf-16le', headers: ct('application/json; charset=utf-16le'), body: (id) => Buffer.from(callText(id), 'utf16le') },
  { name: 'utf-16be body, charset=utf-16be', headers: ct('application/json; charset=utf-16be'), body: (id) => utf16be(callText(id)) },
  {
    name: 'utf-16 body with its BOM, charset=utf-16',
    headers: ct('application/json; charset=utf-16'),
    body: (id) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(callText(id), 'utf16le')]),
  },
  {
    // Not a method bypass: the same bytes name another argument value (UTF-8 "café" read as latin1).
    name: 'latin1: charset=iso-8859-1, non-ASCII argument',
    headers: ct('application/json; charset=iso-8859-1'),
    body: (id) => utf8(callText(id, 'tools/call', '{"text":"café"}')),
  },
  { name: 'UTF-8 BOM before the JSON', headers: ct('application/json'), body: (id) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8(callText(id))]) },
  {
    name: 'duplicate keys: "method":"tools/list","method":"tools/call"',
    headers: ct('application/json'),
    body: (id) => utf8(`{"jsonrpc":"2.0","id":${id},"method":"tools/list","method":"tools/call","params":{"name":"echo","arguments":${ARGS}}}`),
  },
  {
    name: 'duplicate keys: "method":"tools/call","method":"tools/list"',
    headers: ct('application/json'),
    body: (id) => utf8(`{"jsonrpc":"2.0","id":${id},"method":"tools/call","method":"tools/list","params":{"name":"echo","arguments":${ARGS}}}`),
  },
  {
    name: 'case-colliding keys: "method":"tools/list","Method":"tools/call"',
    headers: ct('application/json'),
    body: (id) => utf8(`{"jsonrpc":"2.0","id":${id},"method":"tools/list","Method":"tools/call","params":{"name":"echo","arguments":${ARGS}}}`),
  },
  {
    name: 'unicode escapes: "\\u006dethod":"tools\\u002fcall", "\\u0065cho"',
    headers: ct('application/json'),
    body: (id) => utf8(`{"jsonrpc":"2.0","id":${id},"\\u006dethod":"tools\\u002fcall","params":{"name":"\\u0065cho","arguments":${ARGS}}}`),
  },
  {
    name: 'Content-Type twice: application/json, then application/json; charset=utf-7',
    headers: [['Content-Type', 'application/json'], ['Content-Type', 'application/json; charset=utf-7']],
    body: (id) => utf8(callText(id, UTF7_METHOD)),
  },
  {
    name: 'Content-Type twice: application/json; charset=utf-7, then application/json',
    headers: [['Content-Type', 'application/json; charset=utf-7'], ['Content-Type', 'application/json']],
    body: (id) => utf8(callText(id, UTF7_METHOD)),
  },
  {
    name: 'Content-Type list in one line: "application/json, application/json; charset=utf-7"',
    headers: ct('application/json, application/json; charset=utf-7'),
    body: (id) => utf8(callText(id, UTF7_METHOD)),
  },
  { name: 'Content-Encoding: gzip (gzipped body)', headers: [...ct('application/json'), ['Content-Encoding', 'gzip']], body: (id) => gzipSync(callText(id)) },
  { name: 'Content-Encoding: identity', headers: [...ct('application/json'), ['Content-Encoding', 'identity']], body: (id) => utf8(callText(id)) },
  {
    name: 'Content-Encoding twice: identity, then gzip (gzipped body)',
    headers: [...ct('application/json'), ['Content-Encoding', 'identity'], ['Content-Encoding', 'gzip']],
    body: (id) => gzipSync(callText(id)),
  },
  {
    name: 'Transfer-Encoding: gzip, chunked (plain body)',
    headers: [...ct('application/json'), ['Transfer-Encoding', 'gzip, chunked']],
    framing: 'chunked',
    body: (id) => utf8(callText(id)),
  },
  {
    name: 'Transfer-Encoding: gzip, chunked (gzipped body)',
    headers: [...ct('application/json'), ['Transfer-Encoding', 'gzip, chunked']],
    framing: 'chunked',
    body: (id) => gzipSync(callText(id)),
  },
  {
    name: 'Transfer-Encoding: chunked together with Content-Length',
    headers: [...ct('application/json'), ['Transfer-Encoding', 'chunked']],
    framing: 'both',
    body: (id) => utf8(callText(id)),
  },
  {
    name: 'Connection: close, Content-Type (the judged header is hop-by-hop)',
    headers: [...ct('application/json'), ['Connection', 'close, Content-Type']],
    body: (id) => utf8(callText(id)),
  },
  {
    name: 'Connection: close, Content-Type with a charset=utf-7 body',
    headers: [...ct('application/json; charset=utf-7'), ['Connection', 'close, Content-Type']],
    body: (id) => utf8(callText(id, UTF7_METHOD)),
  },
  { name: 'path: <path>/../<path>', headers: ct('application/json'), target: (p) => `${p}/..${p}`, body: (id) => utf8(callText(id)) },
  { name: 'path: /%2e%2e<path>', headers: ct('application/json'), target: (p) => `/%2e%2e${p}`, body: (id) => utf8(callText(id)) },
  { name: 'path: /.<path>', headers: ct('application/json'), target: (p) => `/.${p}`, body: (id) => utf8(callText(id)) },
  { name: 'path: absolute-form http://evil.example<path>', headers: ct('application/json'), target: (p) => `http://evil.example${p}`, body: (id) => utf8(callText(id)) },
  { name: 'tools/call as a notification (no id)', headers: ct('application/json'), body: () => utf8(callText(null)) },
];

export interface Target {
  readonly port: number;
  /** '/mcp' or '/messages'. */
  readonly path: string;
  /** '' or '?sessionId=...'. */
  readonly query: string;
  /** Mcp-Session-Id / Mcp-Protocol-Version for streamable stacks. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** The exact bytes of one corpus request. */
export function requestBytes(entry: CorpusEntry, target: Target, id: number): Buffer {
  const body = entry.body(id);
  const lines = [
    `POST ${(entry.target ?? ((p: string) => p))(target.path)}${target.query} HTTP/1.1`,
    `Host: 127.0.0.1:${target.port}`,
    'Accept: application/json, text/event-stream',
    ...[...target.headers, ...entry.headers].map(([k, v]) => `${k}: ${v}`),
  ];
  if (!entry.headers.some(([k]) => k.toLowerCase() === 'connection')) lines.push('Connection: close');
  const framing = entry.framing ?? 'length';
  if (framing !== 'chunked') lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  if (framing === 'length') return Buffer.concat([head, body]);
  return Buffer.concat([head, Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
}

export interface RawAnswer {
  /** HTTP status, or a word when there was none ('timeout', 'reset', 'no answer'). */
  readonly status: number | string;
  readonly text: string;
}

/** Send bytes on a fresh connection and read until the server closes it (bounded). */
export function exchange(port: number, bytes: Buffer, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect({ host: '127.0.0.1', port });
    let settled = false;
    const done = (why?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : (why ?? 'no answer'), text });
    };
    const timer = setTimeout(() => done('timeout'), timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // write, not end: a half-closed client may look like one that went away. Every corpus request
    // says Connection: close, so the server closes once it has answered.
    socket.once('connect', () => socket.write(bytes));
    socket.once('end', () => done());
    socket.once('close', () => done());
    socket.once('error', () => done('reset'));
  });
}
