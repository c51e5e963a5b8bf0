/**
 * Sealed storage columns for tests that write data rows in SQL (the plaintext columns refuse
 * values): ciphertext, default masked form and blind index of each field, under the row's
 * customer's data key with the row id as associated data — as the services write them.
 */
import type { Pool } from 'pg';
import type { Keyring } from '../../src/crypto/keyring';
import { sealedColumns } from '../../src/crypto/sealed-rows';

/** `values` by property (`description`, `idNumber`, …); the result by column (`description_sealed`, …). */
export async function sealedValuesOf(
  pool: Pool,
  keyring: Keyring,
  table: string,
  rowId: string,
  customerId: string,
  values: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const dataKey = await keyring.customerKey({ rows: async (text, params) => (await pool.query(text, params)).rows }, customerId);
  if (!dataKey) throw new Error(`customer ${customerId} has no data key`);
  return sealedColumns(keyring, dataKey, table, rowId, values);
}
