// Test certificates made with the openssl CLI, once per test process, in a temp dir removed at
// exit: a CA, a server certificate for 127.0.0.1/localhost signed by it, a client certificate
// signed by it (for mTLS), and a self-signed server certificate nobody trusts.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertFiles {
  readonly dir: string;
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** Self-signed server certificate (SAN 127.0.0.1, localhost) not issued by the CA. */
  readonly selfSignedCert: string;
  readonly selfSignedKey: string;
  /** PEM contents by file path, for servers. */
  read(path: string): Buffer;
}

let cached: CertFiles | undefined;

const KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
const SAN = 'subjectAltName=IP:127.0.0.1,DNS:localhost';

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function issue(dir: string, name: string, usage: 'serverAuth' | 'clientAuth'): void {
  const ext = join(dir, `${name}.ext`);
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=${usage}\n${usage === 'serverAuth' ? SAN : ''}\n`);
  openssl(['req', ...KEY, '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.csr`), '-subj', `/CN=${usage === 'serverAuth' ? 'localhost' : 'thv-proxy-test-client'}`]);
  openssl([
    'x509', '-req', '-in', join(dir, `${name}.csr`), '-CA', join(dir, 'ca.crt'), '-CAkey', join(dir, 'ca.key'),
    '-CAcreateserial', '-days', '2', '-out', join(dir, `${name}.crt`), '-extfile', ext,
  ]);
}

export function testCerts(): CertFiles {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), 'thv-certs-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  openssl([
    'req', '-x509', ...KEY, '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt'), '-days', '2',
    '-subj', '/CN=thv-proxy-test-ca', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  issue(dir, 'server', 'serverAuth');
  issue(dir, 'client', 'clientAuth');
  openssl([
    'req', '-x509', ...KEY, '-keyout', join(dir, 'self.key'), '-out', join(dir, 'self.crt'), '-days', '2',
    '-subj', '/CN=localhost', '-addext', SAN,
  ]);
  cached = {
    dir,
    caCert: join(dir, 'ca.crt'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
    selfSignedCert: join(dir, 'self.crt'),
    selfSignedKey: join(dir, 'self.key'),
    read: (path: string) => readFileSync(path),
  };
  return cached;
}
