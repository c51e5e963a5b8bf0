/** Writes a generated dataset in bulk (INSERT ... SELECT FROM unnest) inside one transaction. */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../logger';
import { inTransaction } from '../db/pool';
import { generateDataset, type Dataset } from './generate';

const CHUNK = 5000;

/** Column name → PostgreSQL array type, in insert order. */
const TABLES: Record<keyof Dataset, { table: string; columns: Record<string, string> }> = {
  staff: { table: 'staff', columns: { id: 'uuid', username: 'text', display_name: 'text', role: 'text', branch: 'text' } },
  customers: {
    table: 'customers',
    columns: {
      id: 'uuid', kind: 'text', archive_number: 'text', name: 'text', id_number: 'text', birth_date: 'date', gender: 'text',
      phone: 'text', email: 'text', address: 'text', employer: 'text', annual_income: 'numeric', total_assets: 'numeric',
      bank_card_number: 'text', credit_code: 'text', legal_representative: 'text', business_scope: 'text', industry: 'text',
      tier: 'text', credit_rating: 'text', relationship_manager_id: 'uuid', status: 'text', created_at: 'timestamptz', updated_at: 'timestamptz',
    },
  },
  contacts: {
    table: 'contacts',
    columns: { id: 'uuid', customer_id: 'uuid', name: 'text', position: 'text', phone: 'text', email: 'text', created_at: 'timestamptz' },
  },
  transactions: {
    table: 'transactions',
    columns: {
      id: 'uuid', customer_id: 'uuid', occurred_at: 'timestamptz', amount: 'numeric', currency: 'text', direction: 'text',
      channel: 'text', product: 'text', description: 'text', account_number: 'text', counterparty_name: 'text',
      counterparty_account: 'text', status: 'text',
    },
  },
  complaints: {
    table: 'complaints',
    columns: {
      id: 'uuid', customer_id: 'uuid', channel: 'text', category: 'text', description: 'text', urgency: 'text', severity: 'text',
      status: 'text', assignee_id: 'uuid', received_at: 'timestamptz', due_at: 'timestamptz', resolved_at: 'timestamptz',
      closed_at: 'timestamptz', resolution: 'text', delay_reason: 'text', satisfaction: 'smallint',
    },
  },
  complaintEvents: {
    table: 'complaint_events',
    columns: { id: 'uuid', complaint_id: 'uuid', occurred_at: 'timestamptz', status: 'text', actor_id: 'uuid', note: 'text' },
  },
};

async function insertRows(client: PoolClient, key: keyof Dataset, rows: readonly object[]): Promise<void> {
  const { table, columns } = TABLES[key];
  const names = Object.keys(columns);
  const casts = names.map((name, i) => `$${i + 1}::${columns[name]}[]`).join(', ');
  const sql = `INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${casts})`;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK) as Record<string, unknown>[];
    await client.query(sql, names.map((name) => chunk.map((row) => row[name])));
  }
}

export interface SeedOptions {
  customers: number;
  seed: number;
  reset?: boolean;
  now?: Date;
}

export interface SeedReport {
  customers: number;
  contacts: number;
  transactions: number;
  complaints: number;
  staff: number;
  ms: number;
}

export class DatabaseNotEmptyError extends Error {}

export async function seedDatabase(pool: Pool, options: SeedOptions): Promise<SeedReport> {
  const started = Date.now();
  const data = generateDataset({ customers: options.customers, seed: options.seed, now: options.now ?? new Date() });
  await inTransaction(pool, async (client) => {
    // Two processes starting on one empty database: the second waits, then finds data.
    await client.query(`SELECT pg_advisory_xact_lock(hashtext('customer-records:seed'))`);
    if (options.reset) {
      // Consents and relationship-manager requests name customers: a reset demo database starts without them too.
      await client.query('TRUNCATE consents, relationship_manager_changes, customer_duplicate_reviews, complaint_events, complaints, transactions, contacts, customers, staff');
    } else {
      const { rows } = await client.query<{ n: number }>('SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM staff) AS n');
      if (Number(rows[0].n) > 0) throw new DatabaseNotEmptyError('the database already has data; pass --reset to replace it');
    }
    for (const key of Object.keys(TABLES) as (keyof Dataset)[]) await insertRows(client, key, data[key]);
    // New archive numbers continue after the seeded ones.
    await client.query(`SELECT setval('customer_archive_seq', GREATEST($1::bigint, 1))`, [data.customers.length]);
  });
  await pool.query('ANALYZE');
  return {
    customers: data.customers.length,
    contacts: data.contacts.length,
    transactions: data.transactions.length,
    complaints: data.complaints.length,
    staff: data.staff.length,
    ms: Date.now() - started,
  };
}

/** Seeds only a database with no customers (the demo data of `npm start`). */
export async function seedIfEmpty(pool: Pool, options: SeedOptions, log: Logger): Promise<SeedReport | null> {
  const { rows } = await pool.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM customers) AND NOT EXISTS (SELECT 1 FROM staff) AS empty');
  if (!rows[0].empty) return null;
  log.info({ customers: options.customers }, 'empty database: seeding demo data');
  try {
    return await seedDatabase(pool, options);
  } catch (error) {
    // Another process seeded first: fine.
    if (error instanceof DatabaseNotEmptyError) return null;
    throw error;
  }
}
