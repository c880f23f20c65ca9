// Small HTTP helpers shared by the two endpoints.

import type { ServerResponse } from 'node:http';
import { writeRejection, type Rejection } from '../errors.js';
import type { RequestContext } from '../chain/types.js';

/** The path of a request URL without its query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/**
 * A query parameter, without building a URL object per request: undefined when absent, null when
 * its value is not valid percent-encoding (`%zz`, a lone `%`) — a client mistake, not a crash.
 */
export function queryParam(url: string, name: string): string | null | undefined {
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key !== name) continue;
    try {
      return decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1));
    } catch {
      return null;
    }
  }
  return undefined;
}

/** Answer with a rejection, and say why in the request log (the bridge is the stage that refused). */
export function reject(ctx: RequestContext, res: ServerResponse, rejection: Rejection): void {
  ctx.rejectedBy = 'stdio';
  ctx.reason = rejection.reason;
  writeRejection(res, rejection.withIdFrom(ctx.body));
}

/** 202 for notifications and responses a client POSTs: nothing to answer. */
export function sendAccepted(res: ServerResponse): void {
  res.writeHead(202, { 'content-length': '0' });
  res.end();
}

export function sendEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status);
  res.end();
}
