// HMAC signing of webhook payloads, the scheme ToolHive uses (pkg/webhook/signing.go), so one
// webhook can verify calls from either proxy: the MAC covers "<unix seconds>.<body bytes>",
// binding the timestamp to the body so a captured call cannot be replayed later with a fresh
// timestamp. The secret is resolved at config load time and never leaves this module's inputs
// (no logging here, nothing stored).

import { createHmac } from 'node:crypto';

export const TIMESTAMP_HEADER = 'x-toolhive-timestamp';
export const SIGNATURE_HEADER = 'x-toolhive-signature';

/** `sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>` */
export function signPayload(secret: Buffer, timestampSeconds: number, body: Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestampSeconds}.`);
  mac.update(body);
  return `sha256=${mac.digest('hex')}`;
}

/** The request headers for one call: Content-Type, plus the signature pair when signed. */
export function requestHeaders(secret: Buffer | null, body: Buffer, nowMs: number): Record<string, string> {
  if (secret === null) return { 'content-type': 'application/json' };
  const ts = Math.floor(nowMs / 1000);
  return {
    'content-type': 'application/json',
    [TIMESTAMP_HEADER]: String(ts),
    [SIGNATURE_HEADER]: signPayload(secret, ts, body),
  };
}
