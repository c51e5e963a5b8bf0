/**
 * A certificate authority made for one test: a CA certificate and server certificates it signs
 * (ECDSA P-256), as PEM files in a private temporary directory the test removes.
 */
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it loaded first
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64}-----END ${label}-----\n`;
}

function serial(): string {
  // Positive (high bit clear), 16 bytes: as CAs make them.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}

export interface ServerCertificate {
  certFile: string;
  /** Mode 0600: PostgreSQL refuses a key file others can read. */
  keyFile: string;
  cert: string;
  key: string;
}

export interface TestCa {
  dir: string;
  /** The CA certificate (PEM), what clients trust. */
  certFile: string;
  cert: string;
  /** A server certificate for these DNS names and IP addresses, signed by this CA. */
  issue(name: string, names: { dns?: string[]; ip?: string[] }): Promise<ServerCertificate>;
  remove(): void;
}

export async function createTestCa(label = 'test'): Promise<TestCa> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `cr-ca-${label}-`));
  const caKeys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
  const notBefore = new Date(Date.now() - DAY_MS);
  const notAfter = new Date(Date.now() + DAY_MS);
  const caName = `CN=customer-records ${label} CA`;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: caName,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const cert = caCert.toString('pem');
  const certFile = path.join(dir, 'ca.pem');
  writeFileSync(certFile, cert);

  return {
    dir,
    certFile,
    cert,
    async issue(name, names) {
      const keys = await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']);
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${names.dns?.[0] ?? names.ip?.[0] ?? name}`,
        issuer: caCert.subject,
        notBefore,
        notAfter,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        signingAlgorithm: ALGORITHM,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
          new x509.SubjectAlternativeNameExtension([
            ...(names.dns ?? []).map((value) => ({ type: 'dns' as const, value })),
            ...(names.ip ?? []).map((value) => ({ type: 'ip' as const, value })),
          ]),
          await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
        ],
      });
      const certPem = leaf.toString('pem');
      const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
      const leafCertFile = path.join(dir, `${name}.crt`);
      const keyFile = path.join(dir, `${name}.key`);
      writeFileSync(leafCertFile, certPem);
      writeFileSync(keyFile, keyPem, { mode: 0o600 });
      return { certFile: leafCertFile, keyFile, cert: certPem, key: keyPem };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
