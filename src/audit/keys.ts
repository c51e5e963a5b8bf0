/**
 * Keys kept outside the database: the Ed25519 key that signs checkpoints (a verifier needs only
 * its public half, so auditors can check without being able to sign) and the HMAC key behind
 * the keyed hashes of changed sensitive values.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AppConfig } from '../config';
import { readOrCreateSecretFile } from '../auth/secret';

export interface VerifyKey {
  keyId: string;
  key: KeyObject;
}

export interface SigningKey extends VerifyKey {
  privateKey: KeyObject;
}

/** A key's id: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);
}

export function loadSigningKey(config: AppConfig): SigningKey {
  const pem = readOrCreateSecretFile(config.audit.signingKeyFile, () =>
    generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  );
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new Error('AUDIT_SIGNING_KEY_FILE must hold an Ed25519 private key (PEM)');
  const key = createPublicKey(privateKey);
  return { privateKey, key, keyId: keyIdOf(key) };
}

/** The public keys a verification trusts: AUDIT_VERIFY_KEY_FILE (one or more PEM blocks), else the signing key's. */
export function loadVerifyKeys(config: AppConfig): VerifyKey[] {
  if (!config.audit.verifyKeyFile) {
    const { key, keyId } = loadSigningKey(config);
    return [{ key, keyId }];
  }
  const text = readFileSync(config.audit.verifyKeyFile, 'utf8');
  const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g) ?? [];
  if (blocks.length === 0) throw new Error('AUDIT_VERIFY_KEY_FILE holds no PEM public key');
  return blocks.map((block) => {
    const key = createPublicKey(block);
    return { key, keyId: keyIdOf(key) };
  });
}

/** Keyed hash of a value (HMAC-SHA-256, hex): equal values compare equal, the value itself is not recoverable. */
export type ValueHasher = (value: string) => string;

export function loadValueHasher(config: AppConfig): ValueHasher {
  const key = Buffer.from(readOrCreateSecretFile(config.audit.valueKeyFile, () => randomBytes(32).toString('base64')).trim(), 'base64');
  if (key.length < 32) throw new Error('AUDIT_VALUE_KEY_FILE must hold at least 32 bytes (base64)');
  return (value) => createHmac('sha256', key).update(value, 'utf8').digest('hex');
}
