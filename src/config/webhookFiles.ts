// The I/O step for webhooks, done once at load time so the hot path never touches the disk:
// resolve each hmac_secret_ref to the secret bytes (exactly the file's, as ToolHive reads them)
// and check the TLS files can be read.
// Messages name the webhook, the file or the variable — never the secret.

import { accessSync, constants, readFileSync } from 'node:fs';
import { Findings, fileErrorCause as cause, isObject } from './findings.js';
import { parseSecretRef, WEBHOOK_LISTS, type WebhookList } from './webhookRules.js';

/** The HMAC secret of each webhook (null when unsigned or unresolvable), per list, by index. */
export type WebhookSecrets = Readonly<Record<WebhookList, readonly (Buffer | null)[]>>;

function readSecret(ref: string, env: NodeJS.ProcessEnv, name: string, path: string, out: Findings): Buffer | null {
  const parsed = parseSecretRef(ref);
  if (parsed === null) return null; // webhookRules reports the shape
  if (parsed.kind === 'env') {
    const value = env[parsed.name];
    if (value === undefined || value === '') {
      out.error(path, `webhook ${name}: environment variable ${parsed.name} is not set`);
      return null;
    }
    return Buffer.from(value, 'utf8');
  }
  let content: Buffer;
  try {
    content = readFileSync(parsed.path);
  } catch (err) {
    out.error(path, `webhook ${name}: cannot read secret file ${JSON.stringify(parsed.path)} (${cause(err)})`);
    return null;
  }
  // Byte for byte, as ToolHive's os.ReadFile: trimming would sign with another key than a
  // ToolHive replica of the same config. A final newline (editors and `echo` add one) is kept,
  // and said, because it is rarely meant.
  if (content.length === 0) {
    out.error(path, `webhook ${name}: secret file ${JSON.stringify(parsed.path)} is empty`);
    return null;
  }
  if (content[content.length - 1] === 0x0a) {
    out.warn(
      `webhook ${name}: secret file ${JSON.stringify(parsed.path)} ends with a newline, which is part of the secret (as in ToolHive); ` +
        'signatures will not match a webhook whose secret has none',
    );
  }
  return content;
}

const TLS_FILES = ['ca_bundle_path', 'client_cert_path', 'client_key_path'] as const;

function checkTlsFiles(tls: unknown, name: string, path: string, out: Findings): void {
  if (!isObject(tls)) return;
  for (const field of TLS_FILES) {
    const file = tls[field];
    if (typeof file !== 'string' || file === '') continue;
    try {
      accessSync(file, constants.R_OK);
    } catch (err) {
      out.error(`${path}/${field}`, `webhook ${name}: cannot read ${JSON.stringify(file)} (${cause(err)})`);
    }
  }
}

/** The secrets of every webhook list (validating_webhooks, mutating_webhooks). */
export function resolveWebhookFiles(doc: unknown, env: NodeJS.ProcessEnv, out: Findings): WebhookSecrets {
  const [validating, mutating] = WEBHOOK_LISTS.map((field) => resolveList(doc, field, env, out));
  return { validating_webhooks: validating!, mutating_webhooks: mutating! };
}

function resolveList(doc: unknown, field: WebhookList, env: NodeJS.ProcessEnv, out: Findings): (Buffer | null)[] {
  const list = isObject(doc) ? doc[field] : undefined;
  if (!Array.isArray(list)) return [];
  return list.map((w: unknown, i) => {
    if (!isObject(w)) return null;
    const path = `/${field}/${i}`;
    const name = JSON.stringify(typeof w.name === 'string' ? w.name : `#${i}`);
    checkTlsFiles(w.tls_config, name, `${path}/tls_config`, out);
    const ref = w.hmac_secret_ref;
    return typeof ref === 'string' && ref !== '' ? readSecret(ref, env, name, `${path}/hmac_secret_ref`, out) : null;
  });
}
