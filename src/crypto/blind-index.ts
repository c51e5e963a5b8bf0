/**
 * Blind indexes: exact lookups and uniqueness without the plaintext. HMAC-SHA-256 under a key of
 * its own (not the KEK, not the audit value key) of the normalised value, separated per kind so
 * an ID number's index never equals a phone number's.
 */
import { createHmac } from 'node:crypto';

export type BlindIndexKind = 'idNumber' | 'phone' | 'card';

const NORMALISE: Record<BlindIndexKind, (value: string) => string> = {
  idNumber: (value) => value.trim().toUpperCase(),
  phone: (value) => value.replace(/[\s-]/g, ''),
  card: (value) => value.replace(/[\s-]/g, ''),
};

export type BlindIndexer = (kind: BlindIndexKind, value: string) => Buffer;

export function blindIndexer(key: Buffer): BlindIndexer {
  if (key.length < 32) throw new Error('the blind-index key must hold at least 32 bytes');
  return (kind, value) => createHmac('sha256', key).update(`${kind}\u0000${NORMALISE[kind](value)}`, 'utf8').digest();
}
