/**
 * The key store of a restored database: the keys of the chosen key-store backup (by default the
 * newest), minus every customer erased since — so a customer erased after the data backup was
 * taken stays erased: their sealed values are restored, their key is not, and the masked forms and
 * blind indexes beside the ciphertext are cleared too. Where a customer's data key was rotated after
 * the data backup, the key from the key-store backup of the data's own snapshot opens it (when that
 * backup is still kept).
 */
import type { ClientBase } from 'pg';
import { wrappingPlace, type Keyring } from './keyring';
import { SEALED_TABLES } from './sealed-fields';
import { open, placeOf } from './sealing';

export interface KeyRestoreReport {
  keysRestored: number;
  /** Keys taken from the data backup's own key-store backup (rotated since). */
  keysFromPairedBackup: number;
  /** Keys of erased customers left out. */
  erasedKeysLeftOut: number;
  /** Keys of customers the restored data does not have. */
  orphanKeysLeftOut: number;
  /** Customers whose sealed values open under no key available (rotated and the older key store gone, or a KEK missing). */
  unreadable: number;
  /** Erased customers whose sealed columns, masked forms and blind indexes were cleared in the restored data. */
  erasedCustomersCleared: number;
}

/** A customer's rows of each sealed table (`$1` = array of customer ids). */
const ROWS_OF_CUSTOMERS: Record<string, string> = {
  customers: 't.id = ANY($1::uuid[])',
  contacts: 't.customer_id = ANY($1::uuid[])',
  transactions: 't.customer_id = ANY($1::uuid[])',
  complaints: 't.customer_id = ANY($1::uuid[])',
  contact_logs: 't.customer_id = ANY($1::uuid[])',
  clear_access_grants: 't.customer_id = ANY($1::uuid[])',
  complaint_events: 't.complaint_id IN (SELECT sc.id FROM complaints sc WHERE sc.customer_id = ANY($1::uuid[]))',
};
for (const table of Object.keys(SEALED_TABLES)) if (!ROWS_OF_CUSTOMERS[table]) throw new Error(`restore-keys.ts: no customer-rows condition for sealed table ${table}`);

/** Clears what an erasure clears of the sealed fields (ciphertext, masked form, blind index) in the rows of these customers. */
export async function clearSealedValues(client: ClientBase, customerIds: string[]): Promise<void> {
  if (customerIds.length === 0) return;
  for (const spec of Object.values(SEALED_TABLES)) {
    const sets = spec.fields.flatMap((f) => [`${f.column}_sealed = NULL`, `${f.column}_masked = NULL`, ...(f.blindIndex ? [`${f.column}_bidx = NULL`] : [])]);
    await client.query(`UPDATE ${spec.table} t SET ${sets.join(', ')} WHERE ${ROWS_OF_CUSTOMERS[spec.table]}`, [customerIds]);
  }
}

interface KeyRow {
  customer_id: string;
  kek_id: string;
  data_key: Buffer;
}

/** Whether a wrapped data key opens a sealed value of the customer (false when the KEK is missing too). */
async function opens(keyring: Keyring, key: KeyRow, sample: { column: string; sealed: Buffer }): Promise<boolean> {
  try {
    const dataKey = await keyring.provider.unwrap(key.kek_id, key.data_key, wrappingPlace(key.customer_id, 'data'));
    open(dataKey, sample.sealed, placeOf('customers', sample.column, key.customer_id));
    return true;
  } catch {
    return false;
  }
}

/**
 * Fills keystore.customer_keys (empty) from the temporary tables `chosen` and `paired` (same
 * columns; `paired` may be null), leaving out `erased` customers and those the data lacks. Runs in
 * the caller's transaction.
 */
export async function restoreKeys(client: ClientBase, keyring: Keyring, chosen: string, paired: string | null, erased: string[]): Promise<KeyRestoreReport> {
  const report: KeyRestoreReport = { keysRestored: 0, keysFromPairedBackup: 0, erasedKeysLeftOut: 0, orphanKeysLeftOut: 0, unreadable: 0, erasedCustomersCleared: 0 };
  const { rows: [counts] } = await client.query<{ erased: number; orphans: number }>(
    `SELECT count(*) FILTER (WHERE k.customer_id = ANY($1::uuid[]))::int AS erased,
            count(*) FILTER (WHERE NOT (k.customer_id = ANY($1::uuid[])) AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = k.customer_id))::int AS orphans
     FROM ${chosen} k`,
    [erased],
  );
  report.erasedKeysLeftOut = counts.erased;
  report.orphanKeysLeftOut = counts.orphans;
  const inserted = await client.query(
    `INSERT INTO keystore.customer_keys SELECT k.* FROM ${chosen} k
     WHERE NOT (k.customer_id = ANY($1::uuid[])) AND EXISTS (SELECT 1 FROM customers c WHERE c.id = k.customer_id)`,
    [erased],
  );
  report.keysRestored = inserted.rowCount ?? 0;

  // Each restored key must open its customer's values; otherwise try the key of the data's own snapshot.
  const fields = SEALED_TABLES.customers.fields;
  const { rows } = await client.query<KeyRow & Record<string, Buffer | null>>(
    `SELECT k.customer_id::text AS customer_id, k.kek_id, k.data_key, ${fields.map((f) => `c.${f.column}_sealed`).join(', ')}
     FROM keystore.customer_keys k JOIN customers c ON c.id = k.customer_id ORDER BY k.customer_id`,
  );
  for (const row of rows) {
    const field = fields.find((f) => row[`${f.column}_sealed`]);
    if (!field) continue;
    const sample = { column: field.column, sealed: row[`${field.column}_sealed`]! };
    if (await opens(keyring, row, sample)) continue;
    const [older] = paired
      ? (await client.query<KeyRow>(`SELECT customer_id::text AS customer_id, kek_id, data_key FROM ${paired} WHERE customer_id = $1`, [row.customer_id])).rows
      : [];
    if (older && (await opens(keyring, older, sample))) {
      await client.query(`DELETE FROM keystore.customer_keys WHERE customer_id = $1`, [row.customer_id]);
      await client.query(`INSERT INTO keystore.customer_keys SELECT * FROM ${paired} WHERE customer_id = $1`, [row.customer_id]);
      report.keysFromPairedBackup++;
    } else {
      report.unreadable++;
    }
  }

  const present = (await client.query<{ id: string }>(`SELECT id::text FROM customers WHERE id = ANY($1::uuid[])`, [erased])).rows.map((r) => r.id);
  await clearSealedValues(client, present);
  report.erasedCustomersCleared = present.length;
  return report;
}
