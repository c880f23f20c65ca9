// The request body a validating webhook receives (SPEC §5), built as bytes around the client's
// original request. `mcp_request` is the received body itself, never re-serialised: a policy
// that hashes or signs the request, or that cares whether a number was written `1.0` or `1e2`,
// sees exactly what the upstream will see. The parts that do not change per request are
// encoded once, at construction.

import { randomUUID } from 'node:crypto';
import type { Principal } from '../auth/principal.js';

/** Version of the webhook wire format (ToolHive's webhook.APIVersion). */
export const WEBHOOK_API_VERSION = 'v0.1.0';

export interface WebhookPayload {
  /** The uuid v4 of this call; webhooks echo it in their response. */
  readonly uid: string;
  readonly bytes: Buffer;
}

/**
 * RFC 3339 UTC time as Go's `time.Time` marshals it (RFC3339Nano): fractional seconds with
 * trailing zeros removed, none at all on a whole second. ToolHive webhooks parse this format,
 * so a fleet mixing both proxies sends one format. JavaScript clocks stop at milliseconds.
 */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2025-01-02T03:04:05.670Z
  const frac = iso.slice(20, 23);
  if (frac === '000') return `${iso.slice(0, 19)}Z`;
  return `${iso.slice(0, 20)}${frac.replace(/0+$/, '')}Z`;
}

/** Builds payloads for one webhook of one server; cheap per call (three small strings). */
export class PayloadBuilder {
  readonly #head: Buffer;
  readonly #serverNamePart: string;
  readonly #transportTail: string;

  constructor(opts: { readonly serverName: string; readonly transport: string }) {
    this.#head = Buffer.from(`{"version":${JSON.stringify(WEBHOOK_API_VERSION)},"uid":"`);
    this.#serverNamePart = `,"context":{"server_name":${JSON.stringify(opts.serverName)},"source_ip":`;
    this.#transportTail = `,"transport":${JSON.stringify(opts.transport)}}}`;
  }

  /**
   * `body` must be one JSON value (the MCP parser has judged it); it is copied in unchanged.
   * `principal`: the authenticated caller (SPEC §9), serialised once per token; null without
   * authentication.
   */
  build(body: Buffer, sourceIp: string, nowMs: number, principal: Principal | null | undefined = null): WebhookPayload {
    const uid = randomUUID();
    // The principal's claims may hold any Unicode: that part is encoded as UTF-8, the rest is ASCII.
    const mid = principal
      ? Buffer.from(`${uid}","timestamp":"${formatTimestamp(nowMs)}","principal":${principal.json},"mcp_request":`, 'utf8')
      : Buffer.from(`${uid}","timestamp":"${formatTimestamp(nowMs)}","principal":null,"mcp_request":`, 'latin1');
    const tail = `${this.#serverNamePart}${JSON.stringify(sourceIp)}${this.#transportTail}`;
    const bytes = Buffer.concat([this.#head, mid, body, Buffer.from(tail, 'utf8')]);
    return { uid, bytes };
  }
}
