/**
 * Ground truth for tests: the stored rows of a table with their sealed fields opened, under the
 * plaintext column names they had before sealing (`id_number`, `phone`, …). Only tests read the
 * database this way; the server never puts clear values back into SQL.
 */
import type { Pool } from 'pg';
import type { Keyring } from '../../src/crypto/keyring';
import { SEALED_TABLES } from '../../src/crypto/sealed-fields';
import { openRows, sealedSelectList } from '../../src/crypto/sealed-rows';

const STORAGE = /(_sealed|_masked|_bidx)$/;

export type ClearRows = <R = Record<string, any>>(table: string, where?: string, values?: unknown[], tail?: string) => Promise<R[]>;

/** `where` and `tail` (ORDER BY / LIMIT) are SQL over the alias `t`; sealed columns can be tested with `t.<column>_sealed`. */
export function clearRowsOf(pool: Pool, keyring: Keyring): ClearRows {
  return async <R,>(table: string, where = 'TRUE', values: unknown[] = [], tail = '') => {
    const spec = SEALED_TABLES[table];
    const extra = spec ? `, ${sealedSelectList(table, 't', null).join(', ')}` : '';
    const result = await pool.query(`SELECT t.*${extra} FROM ${table} t WHERE ${where} ${tail}`, values);
    const rows = await openRows(keyring, result);
    // `t.*` brings the emptied plaintext columns too; where one is named like its property (`phone`,
    // `email`, `note`, …) it is an own property that hides the row's getter: read the getter itself.
    const plaintext = new Set(spec?.fields.map((f) => f.column));
    return rows.map((row) => {
      const clear: Record<string, unknown> = {};
      for (const [name, value] of Object.entries(row)) if (!STORAGE.test(name) && !name.includes('$') && !plaintext.has(name)) clear[name] = value;
      const getters = Object.getPrototypeOf(row) as object;
      for (const field of spec?.fields ?? []) clear[field.column] = Reflect.get(getters, field.property, row) ?? null;
      return clear as R;
    });
  };
}
