// Small HTTP helpers shared by the two endpoints.

import type { ServerResponse } from 'node:http';

/** The path of a request URL without its query. */
export function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

/** A query parameter, without building a URL object per request. */
export function queryParam(url: string, name: string): string | undefined {
  const q = url.indexOf('?');
  if (q === -1) return undefined;
  for (const pair of url.slice(q + 1).split('&')) {
    const eq = pair.indexOf('=');
    const key = eq === -1 ? pair : pair.slice(0, eq);
    if (key === name) return decodeURIComponent(eq === -1 ? '' : pair.slice(eq + 1));
  }
  return undefined;
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
