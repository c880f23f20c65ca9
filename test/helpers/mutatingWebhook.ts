// Mutating webhooks for tests: real HTTPS webhook servers (webhookServer.ts, certificates from
// certs.ts) that answer with a JSON Patch computed from the call they received, and the
// RunConfig entries that point the proxy at them.

import type { RunConfigFile, WebhookFile } from '../../src/config/types.js';
import { startWebhookServer, type CustomAnswer, type WebhookServer, type WebhookServerOptions } from './webhookServer.js';
import { testCerts } from './certs.js';

export type PatchOp = { op: string; path: string; value?: unknown; from?: string };

/** ToolHive's MutatingResponse: `{"version","uid","allowed","patch_type","patch"}`. */
export function patchAnswer(uid: string, patch: PatchOp[] | unknown, patchType: unknown = 'json_patch'): CustomAnswer {
  return { status: 200, body: { version: 'v0.1.0', uid, allowed: true, patch_type: patchType, patch } };
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * An HTTPS webhook (certificate issued by the test CA) answering each call with `patch(payload)`
 * (ops, or a whole CustomAnswer), closed at the end of the test.
 */
export async function startMutatingWebhook(
  t: Teardown,
  patch: (payload: { uid: string; mcp_request: Record<string, any> }) => PatchOp[] | CustomAnswer,
  opts: WebhookServerOptions = {},
): Promise<WebhookServer> {
  const server = await startWebhookServer({ tls: 'ca', path: '/mutate', ...opts, behaviour: opts.behaviour ?? 'custom' });
  server.respond = (payload) => {
    const out = patch(payload);
    return Array.isArray(out) ? patchAnswer(payload.uid, out) : out;
  };
  t.teardown(() => server.close());
  return server;
}

/** A mutating_webhooks (or validating_webhooks) entry trusting the test CA. */
export function webhookEntry(name: string, server: WebhookServer, extra: Partial<WebhookFile> = {}): WebhookFile {
  return { name, url: server.url, timeout: '2s', failure_policy: 'fail', tls_config: { ca_bundle_path: testCerts().caCert }, ...extra };
}

/** The mcp_request each call carried, parsed. */
export function seenRequests(server: WebhookServer): Array<Record<string, any>> {
  return server.calls.map((c) => (JSON.parse(c.raw.toString('utf8')) as { mcp_request: Record<string, any> }).mcp_request);
}

/** The raw bytes of `mcp_request` in a call (it is embedded byte for byte: cut it out). */
export function rawMcpRequest(server: WebhookServer, i: number): string {
  const raw = server.calls[i]!.raw.toString('utf8');
  const start = raw.indexOf('"mcp_request":') + '"mcp_request":'.length;
  const end = raw.lastIndexOf(',"context":');
  return raw.slice(start, end);
}

export type { RunConfigFile };
