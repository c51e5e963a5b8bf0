/**
 * AES-256-GCM from Node's crypto, nothing home-made: values sealed under a customer's data key
 * with the place they belong to (table, column, row) as associated data, so a value copied to
 * another row or column does not open; and data keys wrapped under a key-encryption key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/** Format version of a sealed value: 1 = [version][12-byte IV][16-byte tag][ciphertext]. */
const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;

export function seal(key: Buffer, plaintext: Buffer, associatedData: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, cipher.getAuthTag(), body]);
}

/** Throws when the key, the associated data or a byte of the sealed value is not what it was. */
export function open(key: Buffer, sealed: Buffer, associatedData: string): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw new Error('not a sealed value of a known format');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData, 'utf8'));
  decipher.setAuthTag(sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export function newDataKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** Where a sealed value belongs: `customers.id_number.<row id>`. */
export function placeOf(table: string, column: string, rowId: string): string {
  return `${table}.${column}.${rowId}`;
}
