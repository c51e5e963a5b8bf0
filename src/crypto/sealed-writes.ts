/** Writing sealed fields: the customer's data key from the key store, then ciphertext, masked form and blind index per field. */
import type { SqlRunner } from '../db/pool';
import type { Keyring } from './keyring';
import { sealedColumns } from './sealed-rows';

export interface KeyedRunner extends SqlRunner {
  readonly keyring?: Keyring;
}

export function requireKeyring(db: KeyedRunner): Keyring {
  if (!db.keyring) throw new Error('sealed fields were written through a pool without a keyring');
  return db.keyring;
}

/** The customer's data key, share-locked for the caller's transaction (see `Keyring.customerKey`); a customer whose key was destroyed (erased) takes no new personal data. */
export async function customerDataKey(db: KeyedRunner, customerId: string): Promise<Buffer> {
  const key = await requireKeyring(db).customerKey(db, customerId, 'data', { forSealing: true });
  if (!key) throw new Error(`customer ${customerId} has no data key (erased)`);
  return key;
}

/** Column → value of the sealed fields among `values`, for one row of `table` belonging to `customerId`. */
export async function sealFor(db: KeyedRunner, table: string, rowId: string, customerId: string, values: Record<string, unknown>, dataKey?: Buffer): Promise<Record<string, unknown>> {
  const keyring = requireKeyring(db);
  const present = Object.values(values).some((v) => v !== undefined);
  if (!present) return {};
  return sealedColumns(keyring, dataKey ?? (await customerDataKey(db, customerId)), table, rowId, values);
}

/**
 * Takes the customer's key row (shared) before a write transaction reads any of their sealed rows
 * with a lock. A locking read that waits for a data-key rotation gets the rotated row but evaluates
 * the key reference with the snapshot it started with (the old key): taking the key first means a
 * rotation either finishes before the reads start or waits until this transaction ends — the same
 * order the rotation locks in (key, then rows). Null: the customer has no key (erased or unknown).
 */
export async function lockCustomerKey(db: KeyedRunner, customerId: string): Promise<Buffer | null> {
  return requireKeyring(db).customerKey(db, customerId, 'data', { forSealing: true });
}
