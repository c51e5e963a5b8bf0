/**
 * The personal parts of change records about a customer — the masked values and keyed hashes of
 * sensitive fields, and an operator's free-text reason — sealed (AES-256-GCM) under the customer's
 * history key. The chain hashes what is stored, the ciphertext: destroying the key at erasure
 * leaves who changed which field when, a chain that still verifies, and nothing of the person.
 * The history key is not the data key because data keys are rotated, and re-sealing history
 * would rewrite hashed records.
 */
import type { SqlRunner } from '../db/pool';
import { wrappingPlace, type Keyring } from '../crypto/keyring';
import { open, placeOf, seal } from '../crypto/sealing';
import type { FieldChange } from './change-log';

/** A sealed entry as stored: the field's name clear, its values (`old`, `new`, hashes) sealed; null: the key was gone when it was written. */
export interface SealedFieldChange {
  field: string;
  sensitive: boolean;
  sealed: string | null;
}

export type StoredFieldChange = FieldChange | SealedFieldChange;

/** How an entry's values were stored and could be read back. */
export type HistorySealing = 'NOT_SEALED' | 'OPENED' | 'ERASED' | 'UNREADABLE';

export type ReadFieldChange = FieldChange & { sealing: HistorySealing };

/** The values of an entry: what is sealed. */
type Values = Pick<FieldChange, 'old' | 'new' | 'oldHash' | 'newHash'>;

/** Where a sealed entry belongs (its AAD): record and field, so a part moved to another record or field does not open. */
export const historyPlace = (seq: string, field: string) => placeOf('audit_changes', 'changes', `${seq}.${field}`);

export const isSealed = (entry: StoredFieldChange): entry is SealedFieldChange => 'sealed' in entry;

/** Customer id → history key (null: none in the key store — erased), one statement for all of a transaction's customers. */
export async function historyKeys(db: SqlRunner & { readonly keyring?: Keyring }, customerIds: string[]): Promise<Map<string, Buffer | null>> {
  const keys = new Map<string, Buffer | null>(customerIds.map((id) => [id, null]));
  if (customerIds.length === 0) return keys;
  const rows = await db.rows<{ customerId: string; kek: string; wrapped: Buffer }>(
    `SELECT customer_id::text AS "customerId", history_kek_id AS kek, history_key AS wrapped FROM keystore.customer_keys WHERE customer_id = ANY($1::uuid[])`,
    [customerIds],
  );
  if (rows.length > 0 && !db.keyring) throw new Error('change records about customers were written through a pool without a keyring');
  for (const row of rows) keys.set(row.customerId, await db.keyring!.provider.unwrap(row.kek, row.wrapped, wrappingPlace(row.customerId, 'history')));
  return keys;
}

/**
 * A record's entries as stored: those `personal` says are the person's sealed under `key`
 * (null: the key is gone — nothing of them is written), the others as they are.
 */
export function sealEntries(key: Buffer | null, seq: string, entries: FieldChange[], personal: (entry: FieldChange) => boolean): StoredFieldChange[] {
  return entries.map((entry) => {
    if (!personal(entry)) return entry;
    const { field, sensitive, ...values } = entry;
    const sealed = key === null ? null : seal(key, Buffer.from(JSON.stringify(values), 'utf8'), historyPlace(seq, field)).toString('base64');
    return { field, sensitive, sealed };
  });
}

const NO_VALUES: Values = { old: null, new: null, oldHash: null, newHash: null };

/** A sealed entry opened: as it was before sealing. Throws when the key, the record or a byte is not what it was. */
export function openEntry(key: Buffer, seq: string, entry: SealedFieldChange & { sealed: string }): FieldChange {
  const { field, sensitive } = entry;
  const values = JSON.parse(open(key, Buffer.from(entry.sealed, 'base64'), historyPlace(seq, field)).toString('utf8')) as Values;
  return { field, sensitive, ...values };
}

/**
 * A record's entries for a reader: sealed ones opened with the history key. Without the key
 * (`null`: erased) sensitive entries read as nothing, even entries stored before sealing began.
 */
export function openEntries(key: Buffer | null | undefined, seq: string, stored: StoredFieldChange[], aboutCustomer: boolean): ReadFieldChange[] {
  return stored.map((entry) => {
    if (!isSealed(entry)) {
      if (aboutCustomer && key === null && entry.sensitive) return { field: entry.field, sensitive: true, ...NO_VALUES, sealing: 'ERASED' };
      return { ...NO_VALUES, ...entry, sealing: 'NOT_SEALED' };
    }
    const { field, sensitive, sealed } = entry;
    if (sealed === null || !key) return { field, sensitive, ...NO_VALUES, sealing: 'ERASED' };
    try {
      return { ...NO_VALUES, ...openEntry(key, seq, { field, sensitive, sealed }), sealing: 'OPENED' };
    } catch {
      // Altered, or moved from another record: `audit:verify` names the record; the reader gets no values.
      return { field, sensitive, ...NO_VALUES, sealing: 'UNREADABLE' };
    }
  });
}

/** Unwraps each distinct history key of a page once (a reader's cache for one answer). */
export function historyKeyOpener(keyring: Keyring | undefined) {
  const unwrapped = new Map<string, Promise<Buffer>>();
  return (customerId: string, kek: string | null, wrapped: Buffer | null): Promise<Buffer | null> => {
    if (kek === null || wrapped === null) return Promise.resolve(null);
    if (!keyring) throw new Error('sealed change records were read through a pool without a keyring');
    const reference = `${customerId} ${kek} ${wrapped.toString('hex')}`;
    let key = unwrapped.get(reference);
    if (!key) {
      key = keyring.provider.unwrap(kek, wrapped, wrappingPlace(customerId, 'history'));
      unwrapped.set(reference, key);
    }
    return key;
  };
}
