/**
 * Erasure is a property of the keys: destroying a customer's key row (data key and history key)
 * makes every copy of their sealed values — live rows, WAL, data backups — unreadable. The erasure
 * flow calls this inside its own transaction (with its change history); key-store backups older
 * than the erasure still hold the key until their short retention ends, and a restore re-applies
 * erasures (src/db/backup.ts), so the key does not come back.
 */
import type { SqlRunner } from '../db/pool';

/** Deletes the customer's keys; true when there were some. Call `Keyring.forget()` in this process afterwards. */
export async function destroyCustomerKeys(tx: SqlRunner, customerId: string): Promise<boolean> {
  const rows = await tx.rows<{ customer_id: string }>(`DELETE FROM keystore.customer_keys WHERE customer_id = $1 RETURNING customer_id`, [customerId]);
  return rows.length > 0;
}
