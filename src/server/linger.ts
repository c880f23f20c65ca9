// nginx's lingering close for the one answer the proxy gives before reading the body: 413. With
// `Connection: close`, node's server destroys the socket as soon as the response is flushed
// (socket.destroySoon); bytes the client is still sending then meet a closed socket, the kernel
// answers with a reset, and a client that writes its whole body before it reads (node's http
// client, most HTTP libraries) sees a broken pipe instead of the 413. So for such a response
// the socket only half-closes, and what still arrives is read and discarded — bounded in bytes
// and in time, so a client cannot keep the proxy reading forever.

import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** Longest time the proxy keeps reading after the answer. */
export const LINGER_MS = 5_000;
/** Most bytes it discards before closing anyway. */
export const LINGER_BYTES = 16 * 1024 * 1024;

const kDiscarded = Symbol('thv.linger.discarded');

type LingeringRequest = IncomingMessage & { [kDiscarded]?: number };

function discard(this: LingeringRequest, chunk: Buffer): void {
  const total = (this[kDiscarded] ?? 0) + chunk.length;
  this[kDiscarded] = total;
  if (total > LINGER_BYTES) this.socket.destroy();
}

function destroy(socket: Socket): void {
  socket.destroy();
}

/** Replaces node's destroySoon on this one socket: send FIN now, close fully later. */
function halfCloseThenLinger(this: Socket): void {
  this.end();
  const timer = setTimeout(destroy, LINGER_MS, this);
  timer.unref();
  this.once('close', () => clearTimeout(timer));
}

/** Call before answering `req` early: keep reading (and dropping) its body after the answer. */
export function lingerAfterAnswer(req: IncomingMessage): void {
  if (req.complete || req.destroyed) return;
  const socket = req.socket;
  (socket as Socket & { destroySoon: () => void }).destroySoon = halfCloseThenLinger;
  req.on('data', discard);
  req.resume();
}
