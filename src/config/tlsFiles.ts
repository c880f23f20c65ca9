// PEM files of a TLS client (a webhook's tls_config, Redis's tls and sentinel_tls), read and
// parsed once at load so `validate` refuses a CA bundle, certificate or key that `run` could not
// use (SPEC §2), and the connection never touches the disk. Each problem is reported with the
// JSON pointer of the field that names the file.

import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { fileErrorCause } from './findings.js';

export type Report = (pointer: string, message: string) => void;

/** A file named by the config: its path and the pointer of the field that names it. */
export interface TlsFileRef {
  readonly path: string;
  readonly pointer: string;
}

export interface TlsFileRefs {
  readonly ca?: TlsFileRef | undefined;
  readonly cert?: TlsFileRef | undefined;
  readonly key?: TlsFileRef | undefined;
}

/** The files' bytes; undefined when not configured or not usable (then reported). */
export interface TlsFileContents {
  readonly ca: Buffer | undefined;
  readonly cert: Buffer | undefined;
  readonly key: Buffer | undefined;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}

function read(ref: TlsFileRef | undefined, report: Report): Buffer | undefined {
  if (ref === undefined) return undefined;
  try {
    return readFileSync(ref.path);
  } catch (err) {
    report(ref.pointer, `cannot read ${JSON.stringify(ref.path)} (${fileErrorCause(err)})`);
    return undefined;
  }
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Why `pem` is not a usable CA bundle, or undefined when it is. */
function caProblem(pem: Buffer): string | undefined {
  const blocks = pem.toString('latin1').match(CERTIFICATE) ?? [];
  if (blocks.length === 0) return 'no PEM certificate in it';
  // Each certificate parsed on its own: TLS would skip a broken one silently.
  for (let i = 0; i < blocks.length; i++) {
    try {
      new X509Certificate(blocks[i]!);
    } catch (err) {
      return `certificate ${i + 1} of ${blocks.length} does not parse (${firstLine(err)})`;
    }
  }
  try {
    createSecureContext({ ca: pem });
  } catch (err) {
    return firstLine(err);
  }
  return undefined;
}

/** Read and check one CA bundle (the identity provider's, an OTLP collector's); undefined when unusable (reported). */
export function readCaBundle(ref: TlsFileRef | undefined, report: Report): Buffer | undefined {
  const ca = read(ref, report);
  if (ca === undefined) return undefined;
  const problem = caProblem(ca);
  if (problem === undefined) return ca;
  report(ref!.pointer, `${JSON.stringify(ref!.path)} is not a PEM CA bundle: ${problem}`);
  return undefined;
}

/** Read the files and check that Node's TLS accepts them: a CA bundle, a key, a cert with its key. */
export function readTlsFiles(refs: TlsFileRefs, report: Report): TlsFileContents {
  const ca = readCaBundle(refs.ca, report);
  const cert = read(refs.cert, report);
  const key = read(refs.key, report);
  if (key !== undefined) {
    try {
      createPrivateKey(key);
    } catch (err) {
      report(refs.key!.pointer, `${JSON.stringify(refs.key!.path)} is not a PEM private key: ${firstLine(err)}`);
    }
  }
  if (cert !== undefined && key !== undefined) {
    try {
      createSecureContext({ cert, key });
    } catch (err) {
      report(refs.cert!.pointer, `${JSON.stringify(refs.cert!.path)} and its key cannot be used together: ${firstLine(err)}`);
    }
  }
  return { ca, cert, key };
}
