// node's HTTP server answers some requests itself, before the proxy sees a request object: a
// head that breaks the grammar (a bad request line or header, Transfer-Encoding with
// Content-Length, a bad chunk), a head over 16 KiB (431), chunk extensions over 16 KiB (413) and
// a request past its bound (408: headers 60 s, whole request 5 min). It writes them with an
// empty body; SPEC §7 wants every answer of the proxy to be a JSON-RPC error. This 'clientError'
// listener writes the same statuses, at the same moment, with the JSON-RPC error body (built once,
// here, from src/errors.ts) — and otherwise does what node does: answer only when no response
// has begun on the socket, then destroy it.

import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { Rejection, rawResponse, type RejectionKind } from '../errors.js';

function build(kind: RejectionKind): Buffer {
  return rawResponse(new Rejection(kind, undefined));
}

const MALFORMED = build('MALFORMED_HTTP');
const TIMEOUT = build('REQUEST_TIMEOUT');
const HEADERS_TOO_LARGE = build('HEADERS_TOO_LARGE');
const CHUNK_EXTENSIONS_TOO_LARGE = build('CHUNK_EXTENSIONS_TOO_LARGE');

/** node's mapping (lib/_http_server.js socketOnError), with JSON bodies. */
function responseFor(code: string | undefined): Buffer {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return HEADERS_TOO_LARGE;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return CHUNK_EXTENSIONS_TOO_LARGE;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return TIMEOUT;
    default:
      return MALFORMED;
  }
}

type ServerSocket = Duplex & { _httpMessage?: ServerResponse | null };

/** The server's 'clientError' listener. */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
  const s = socket as ServerSocket;
  // A reset peer reads nothing; a response already under way must not be corrupted by a second
  // head (a pipelined request after one being answered): then only the cut remains, as in node.
  if (err.code !== 'ECONNRESET' && s.writable && (s._httpMessage == null || !s._httpMessage.headersSent)) {
    s.write(responseFor(err.code));
  }
  s.destroy();
}
