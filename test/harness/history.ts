/**
 * Ground truth for tests: change records as stored, with the entries sealed under a customer's
 * history key opened back into the form they had before sealing (`{ field, sensitive, old, new,
 * oldHash, newHash }`). Only tests read the register this way; auditors read it through the API.
 */
import type { Pool } from 'pg';
import type { Keyring } from '../../src/crypto/keyring';
import type { FieldChange } from '../../src/audit/change-log';
import { historyKeys, isSealed, openEntry, type StoredFieldChange } from '../../src/audit/history-sealing';

export async function openedChanges<R extends { seq: string; customer_id: string | null; changes: StoredFieldChange[] }>(
  pool: Pool,
  keyring: Keyring,
  records: R[],
): Promise<(Omit<R, 'changes'> & { changes: FieldChange[] })[]> {
  const ids = [...new Set(records.map((r) => r.customer_id).filter((id): id is string => id !== null))];
  const keys = await historyKeys({ rows: async (text, values) => (await pool.query(text, values)).rows, keyring }, ids);
  return records.map((record) => ({
    ...record,
    changes: record.changes.map((entry) => {
      if (!isSealed(entry)) return entry;
      const key = record.customer_id === null ? null : keys.get(record.customer_id);
      if (!key || entry.sealed === null) throw new Error(`change record ${record.seq}: ${entry.field} is sealed and its customer has no history key`);
      return openEntry(key, String(record.seq), { ...entry, sealed: entry.sealed });
    }),
  }));
}
