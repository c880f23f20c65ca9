// PEM files of a TLS client (a webhook's tls_config, Redis's tls and sentinel_tls), read and
// parsed once at load so `validate` refuses a CA bundle, certificate or key that `run` could not
// use (SPEC §2), and the connection never touches the disk. Each problem is reported with the
// JSON pointer of the field that names the file.

import { createPrivateKey } from 'node:crypto';
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

/** Read the files and check that Node's TLS accepts them: a CA bundle, a key, a cert with its key. */
export function readTlsFiles(refs: TlsFileRefs, report: Report): TlsFileContents {
  const ca = read(refs.ca, report);
  const cert = read(refs.cert, report);
  const key = read(refs.key, report);
  if (ca !== undefined) {
    try {
      createSecureContext({ ca });
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM certificate in it');
    } catch (err) {
      report(refs.ca!.pointer, `${JSON.stringify(refs.ca!.path)} is not a PEM CA bundle: ${firstLine(err)}`);
    }
  }
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
