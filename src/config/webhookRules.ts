// Semantic rules for validating_webhooks and mutating_webhooks (SPEC §2, §5, §11: the same
// entries for both): unique names within each list, https, timeout range,
// client certificate and key together, the shape of hmac_secret_ref. Reading the secret and the
// TLS files is a separate step (webhookFiles.ts): these rules touch no disk.

import { isAbsolute } from 'node:path';
import { DurationError, formatDuration, parseDuration } from './duration.js';
import { Findings, isObject } from './findings.js';
import { urlForDisplay } from './urlText.js';

export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;
const MIN_TIMEOUT_MS = 1_000;
const MAX_TIMEOUT_MS = 30_000;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export type SecretRef = { kind: 'env'; name: string } | { kind: 'file'; path: string };

/** The parsed hmac_secret_ref, or null when it is neither `env:NAME` nor an absolute path. */
export function parseSecretRef(ref: string): SecretRef | null {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    return ENV_NAME.test(name) ? { kind: 'env', name } : null;
  }
  return isAbsolute(ref) ? { kind: 'file', path: ref } : null;
}

/**
 * Webhook timeout in milliseconds: a Go duration string or integer nanoseconds (ToolHive writes
 * time.Duration as an integer, and writes 0 when unset, so 0 means the default).
 * Throws DurationError for a bad string.
 */
export function webhookTimeoutMs(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_WEBHOOK_TIMEOUT_MS;
  const ms = typeof value === 'number' ? value / 1e6 : parseDuration(value);
  return ms === 0 ? DEFAULT_WEBHOOK_TIMEOUT_MS : ms;
}

function checkTimeout(value: unknown, path: string, out: Findings): void {
  if (typeof value !== 'string' && !(typeof value === 'number' && Number.isInteger(value))) return;
  let ms: number;
  try {
    ms = webhookTimeoutMs(value);
  } catch (err) {
    if (!(err instanceof DurationError)) throw err;
    return; // not a duration: the schema's go-duration format reports it
  }
  if (ms < MIN_TIMEOUT_MS || ms > MAX_TIMEOUT_MS) {
    out.error(path, `must be between 1s and 30s, got ${formatDuration(ms)}`);
  }
}

function checkUrl(url: unknown, insecure: boolean, name: string, path: string, out: Findings): void {
  if (typeof url !== 'string') return; // the schema step reports the type
  // The schema's "uri" format lets through what the URL parser (and so the webhook client) refuses.
  if (!URL.canParse(url)) {
    out.errorOnce(path, `webhook ${name}: must be an absolute https URL such as "https://policy.example/validate", got ${JSON.stringify(urlForDisplay(url))}`);
    return;
  }
  const protocol = new URL(url).protocol;
  if (protocol === 'https:') return;
  // Other schemes are the schema's rule (pattern); http needs insecure_skip_verify, which it cannot say.
  if (protocol === 'http:' && !insecure) out.error(path, `webhook ${name} must use https (http is allowed only with tls_config.insecure_skip_verify: true)`);
}

function checkTls(tls: unknown, name: string, path: string, out: Findings): boolean {
  // Client certificate and key together: the schema's dependentRequired.
  if (!isObject(tls)) return false;
  const insecure = tls.insecure_skip_verify === true;
  if (insecure) out.warn(`webhook ${name}: tls_config.insecure_skip_verify is true, so its certificate is not verified`);
  return insecure;
}

/** The RunConfig fields that hold webhook lists; each entry has the same shape and rules. */
export const WEBHOOK_LISTS = ['validating_webhooks', 'mutating_webhooks'] as const;
export type WebhookList = (typeof WEBHOOK_LISTS)[number];

/** The rules for one list (`field`: where it is, for the pointers). */
export function checkWebhooks(webhooks: readonly unknown[], out: Findings, field: WebhookList = 'validating_webhooks'): void {
  const seen = new Set<string>();
  webhooks.forEach((w, i) => {
    if (!isObject(w)) return;
    const path = `/${field}/${i}`;
    const name = JSON.stringify(typeof w.name === 'string' ? w.name : `#${i}`);
    if (typeof w.name === 'string' && w.name !== '') {
      if (seen.has(w.name)) out.error(`${path}/name`, `duplicate webhook name ${name}`);
      seen.add(w.name);
    }
    const insecure = checkTls(w.tls_config, name, `${path}/tls_config`, out);
    checkUrl(w.url, insecure, name, `${path}/url`, out);
    checkTimeout(w.timeout, `${path}/timeout`, out);
    if (typeof w.hmac_secret_ref === 'string' && w.hmac_secret_ref !== '' && parseSecretRef(w.hmac_secret_ref) === null) {
      out.error(`${path}/hmac_secret_ref`, `webhook ${name}: must be an absolute file path or env:NAME`);
    }
  });
}
