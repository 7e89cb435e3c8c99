// A self-signed certificate for 127.0.0.1 and localhost (openssl), for https servers in tests. A
// client trusts it only when told to: NODE_EXTRA_CA_CERTS=<certificate> for a child process, or
// the layer's per-request insecure option.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCertificate {
  /** PEM file of the certificate (also its own CA). */
  certificateFile: string;
  cert: Buffer;
  key: Buffer;
}

export function makeLoopbackCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'tls-'));
  const keyFile = join(dir, 'key.pem');
  const certificateFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', keyFile, '-out', certificateFile, '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'basicConstraints=critical,CA:TRUE'],
    { stdio: 'ignore' },
  );
  return { certificateFile, cert: readFileSync(certificateFile), key: readFileSync(keyFile) };
}
