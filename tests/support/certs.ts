import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

const DAY = 86_400_000;

export interface KeyAndCert {
  key: string;
  cert: string;
}

/** Certificates made at test time: a test CA, leaves it signed with chosen dates and names, and a self-signed one. */
export interface TestCertificates {
  /** The test CA: write `ca.cert` to a file for `ca_file`. */
  ca: KeyAndCert;
  /** Signed by the CA for localhost, 127.0.0.1 and ::1; expires in 90 days. */
  valid: KeyAndCert;
  /** Signed by the CA; expired yesterday. */
  expired: KeyAndCert;
  /** Signed by the CA; expires in 5 days. */
  expiringSoon: KeyAndCert;
  /** Signed by the CA for other.example only. */
  wrongHost: KeyAndCert;
  /** Self-signed for localhost and 127.0.0.1; expires in 90 days. */
  selfSigned: KeyAndCert;
}

const LOOPBACK_NAMES = [
  { type: 2 as const, value: 'localhost' },
  { type: 7 as const, ip: '127.0.0.1' },
  { type: 7 as const, ip: '::1' },
];

const leafExtensions = (altNames: { type: 2 | 7; value?: string; ip?: string }[], clientAuth = false) => [
  { name: 'basicConstraints' as const, cA: false },
  { name: 'keyUsage' as const, digitalSignature: true, keyEncipherment: true },
  { name: 'extKeyUsage' as const, serverAuth: true, ...(clientAuth ? { clientAuth: true } : {}) },
  { name: 'subjectAltName' as const, altNames },
];

async function leaf(
  cn: string,
  ca: KeyAndCert | undefined,
  from: Date,
  to: Date,
  altNames = LOOPBACK_NAMES,
  clientAuth = false,
): Promise<KeyAndCert> {
  const pems = await generate(
    [
      { name: 'commonName', value: cn },
      { name: 'organizationName', value: 'sfdeploy tests' },
    ],
    {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate: from,
      notAfterDate: to,
      extensions: leafExtensions(altNames, clientAuth),
      ...(ca ? { ca: { key: ca.key, cert: ca.cert } } : {}),
    },
  );
  return { key: pems.private, cert: pems.cert };
}

/** Generates the CA and every leaf (EC keys, well under a second). */
export async function makeTestCertificates(now = Date.now()): Promise<TestCertificates> {
  const caPems = await generate(
    [
      { name: 'commonName', value: 'sfdeploy test CA' },
      { name: 'organizationName', value: 'sfdeploy tests' },
    ],
    {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate: new Date(now - 60 * DAY),
      notAfterDate: new Date(now + 3650 * DAY),
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    },
  );
  const ca = { key: caPems.private, cert: caPems.cert };
  const [valid, expired, expiringSoon, wrongHost, selfSigned] = await Promise.all([
    leaf('localhost', ca, new Date(now - DAY), new Date(now + 90 * DAY)),
    leaf('localhost', ca, new Date(now - 30 * DAY), new Date(now - DAY)),
    leaf('localhost', ca, new Date(now - DAY), new Date(now + 5 * DAY)),
    leaf('other.example', ca, new Date(now - DAY), new Date(now + 90 * DAY), [{ type: 2, value: 'other.example' }]),
    leaf('localhost', undefined, new Date(now - DAY), new Date(now + 90 * DAY)),
  ]);
  return { ca, valid, expired, expiringSoon, wrongHost, selfSigned };
}

/** A client certificate the CA signed for `cn` (PostgreSQL's `cert` authentication takes the user name from it). */
export async function clientCertificate(ca: KeyAndCert, cn: string, now = Date.now()): Promise<KeyAndCert> {
  return leaf(cn, ca, new Date(now - DAY), new Date(now + 90 * DAY), [{ type: 2, value: cn }], true);
}

/** PEM files of a CA and a certificate it signed, for servers that read files (redis-server --tls-*-file). */
export interface CertificateFiles {
  dir: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  remove(): void;
}

/** Writes `ca` and `leaf` (from makeTestCertificates) to a fresh temporary folder. */
export function certificateFiles(ca: KeyAndCert, leaf: KeyAndCert): CertificateFiles {
  const dir = mkdtempSync(join(tmpdir(), 'sfdeploy-certs-'));
  const write = (name: string, pem: string): string => {
    writeFileSync(join(dir, name), pem, { mode: 0o600 });
    return join(dir, name);
  };
  return {
    dir,
    caFile: write('ca.crt', ca.cert),
    certFile: write('server.crt', leaf.cert),
    keyFile: write('server.key', leaf.key),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
