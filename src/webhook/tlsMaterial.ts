// The compile step of a webhook's TLS settings: the PEM files are read and parsed once, at load
// (src/config/tlsFiles.ts, shared with Redis's TLS), so `validate` refuses a CA bundle,
// certificate or key that `run` could not use (SPEC §2), and the webhook client never touches
// the disk.

import type { WebhookTls } from '../config/types.js';
import { readTlsFiles, type Report } from '../config/tlsFiles.js';

export type { Report } from '../config/tlsFiles.js';

/** What undici's connector needs, ready to use. */
export interface WebhookTlsMaterial {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
  readonly rejectUnauthorized: boolean;
}

function ref(path: string | undefined, pointer: string): { path: string; pointer: string } | undefined {
  return path === undefined ? undefined : { path, pointer };
}

/** Read and parse the files of `tls` (pointer: the webhook's /tls_config); problems go to `report`. */
export function compileWebhookTls(tls: WebhookTls, pointer: string, report: Report): WebhookTlsMaterial {
  const files = readTlsFiles(
    {
      ca: ref(tls.caBundlePath, `${pointer}/ca_bundle_path`),
      cert: ref(tls.clientCertPath, `${pointer}/client_cert_path`),
      key: ref(tls.clientKeyPath, `${pointer}/client_key_path`),
    },
    report,
  );
  return { ...files, rejectUnauthorized: !tls.insecureSkipVerify };
}
