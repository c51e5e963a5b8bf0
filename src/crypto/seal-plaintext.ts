/**
 * Seals what an older version stored in clear: online, in small batches (each its own short
 * transaction, rows locked with SKIP LOCKED so requests and a second process go on), resumable —
 * a batch that was not committed is simply found again. When a table has no plaintext left, its
 * NOT VALID check is validated: from then on PostgreSQL itself vouches that none is left.
 */
import { Pool as PoolClass, type Pool, type PoolClient } from 'pg';
import { inTransaction } from '../db/pool';
import type { Keyring } from './keyring';
import { SEALED_TABLES, type SealedTable } from './sealed-fields';
import { sealedColumns } from './sealed-rows';

export interface SealReport {
  customerKeysCreated: number;
  rowsSealed: Record<string, number>;
}

const runnerOf = (client: PoolClient) => ({ rows: async <R,>(text: string, values?: unknown[]) => (await client.query(text, values)).rows as R[] });

/** Customers from before the key store get their keys first (every sealed value needs one). */
async function createMissingKeys(pool: Pool, keyring: Keyring, batch: number): Promise<number> {
  let created = 0;
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const { rows } = await client.query<{ id: string }>(
        `SELECT c.id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM keystore.customer_keys k WHERE k.customer_id = c.id)
         ORDER BY c.id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [batch],
      );
      for (const { id } of rows) await keyring.createCustomerKeys(runnerOf(client), id);
      created += rows.length;
      return rows.length < batch;
    });
    if (done) return created;
  }
}

async function sealTable(pool: Pool, keyring: Keyring, spec: SealedTable, batch: number): Promise<number> {
  const anyPlaintext = spec.fields.map((f) => `t.${f.column} IS NOT NULL`).join(' OR ');
  let sealed = 0;
  for (;;) {
    const done = await inTransaction(pool, async (client) => {
      const { rows } = await client.query<Record<string, string | null>>(
        `SELECT t.id::text AS id, ${spec.customerOf('t')}::text AS customer, ${spec.fields.map((f) => `t.${f.column}::text AS "${f.property}"`).join(', ')}
         FROM ${spec.table} t WHERE ${anyPlaintext} ORDER BY t.id LIMIT $1 FOR UPDATE OF t SKIP LOCKED`,
        [batch],
      );
      for (const row of rows) {
        const dataKey = await keyring.customerKey(runnerOf(client), row.customer!, 'data', { forSealing: true });
        if (!dataKey) throw new Error(`${spec.table} ${row.id}: its customer has no data key`);
        const values = Object.fromEntries(spec.fields.map((f) => [f.property, row[f.property]]));
        const columns = { ...sealedColumns(keyring, dataKey, spec.table, row.id!, values), ...Object.fromEntries(spec.fields.map((f) => [f.column, null])) };
        const names = Object.keys(columns);
        await client.query(`UPDATE ${spec.table} SET ${names.map((n, i) => `${n} = $${i + 2}`).join(', ')} WHERE id = $1`, [row.id, ...Object.values(columns)]);
      }
      sealed += rows.length;
      return rows.length < batch;
    });
    if (done) return sealed;
  }
}

/** Seals every plaintext value left, then validates each table's plaintext check (when this user may). */
export async function sealPlaintext(pool: Pool, keyring: Keyring, options: { batch?: number } = {}): Promise<SealReport> {
  const batch = options.batch ?? 500;
  const report: SealReport = { customerKeysCreated: await createMissingKeys(pool, keyring, batch), rowsSealed: {} };
  for (const spec of Object.values(SEALED_TABLES)) {
    report.rowsSealed[spec.table] = await sealTable(pool, keyring, spec, batch);
    const [{ validated }] = (await pool.query<{ validated: boolean }>(`SELECT convalidated AS validated FROM pg_constraint WHERE conname = $1`, [`${spec.table}_plaintext_sealed_check`])).rows;
    if (!validated) {
      await pool.query(`ALTER TABLE ${spec.table} VALIDATE CONSTRAINT ${spec.table}_plaintext_sealed_check`).catch((error: { code?: string }) => {
        // Not the table's owner: the check still holds for every new row; the owner validates later.
        if (error.code !== '42501') throw error;
      });
    }
  }
  return report;
}

/** At start, before serving: seal anything an older version left in clear (a no-op on a sealed database). */
export async function sealAtStart(url: string, keyring: Keyring, log: { info(obj: object, msg: string): void }): Promise<void> {
  const pool = new PoolClass({ connectionString: url, max: 2, application_name: 'customer-records:seal' });
  try {
    const report = await sealPlaintext(pool, keyring);
    const rows = Object.values(report.rowsSealed).reduce((a, b) => a + b, 0);
    if (report.customerKeysCreated > 0 || rows > 0) log.info(report, 'plaintext from an older version sealed');
  } finally {
    await pool.end();
  }
}
