// The compile step of a webhook's TLS settings: the PEM files are read and parsed once, at load,
// so `validate` refuses a CA bundle, certificate or key that `run` could not use (SPEC §2), and
// the webhook client never touches the disk.

import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import type { WebhookTls } from '../config/types.js';
import { fileErrorCause } from '../config/findings.js';

/** What undici's connector needs, ready to use. */
export interface WebhookTlsMaterial {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly rejectUnauthorized: boolean;
}

export type Report = (pointer: string, message: string) => void;

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

function read(path: string | undefined, pointer: string, report: Report): Buffer | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    report(pointer, `cannot read ${JSON.stringify(path)} (${fileErrorCause(err)})`);
    return undefined;
  }
}

/** Read and parse the files of `tls` (pointer: the webhook's /tls_config); problems go to `report`. */
export function compileWebhookTls(tls: WebhookTls, pointer: string, report: Report): WebhookTlsMaterial {
  const ca = read(tls.caBundlePath, `${pointer}/ca_bundle_path`, report);
  const cert = read(tls.clientCertPath, `${pointer}/client_cert_path`, report);
  const key = read(tls.clientKeyPath, `${pointer}/client_key_path`, report);
  if (ca !== undefined) {
    try {
      createSecureContext({ ca });
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    } catch (err) {
      report(`${pointer}/ca_bundle_path`, `${JSON.stringify(tls.caBundlePath)} is not a PEM CA bundle: ${firstLine(err)}`);
    }
  }
  if (key !== undefined) {
    try {
      createPrivateKey(key);
    } catch (err) {
      report(`${pointer}/client_key_path`, `${JSON.stringify(tls.clientKeyPath)} is not a PEM private key: ${firstLine(err)}`);
    }
  }
  if (cert !== undefined && key !== undefined) {
    try {
      createSecureContext({ cert, key });
    } catch (err) {
      report(`${pointer}/client_cert_path`, `${JSON.stringify(tls.clientCertPath)} and its key cannot be used together: ${firstLine(err)}`);
    }
  }
  return { ca, cert, key, rejectUnauthorized: !tls.insecureSkipVerify };
}
