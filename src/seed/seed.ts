/** Writes a generated dataset in bulk (INSERT ... SELECT FROM unnest) inside one transaction. */
import type { Pool, PoolClient } from 'pg';
import type { Logger } from '../logger';
import { inTransaction } from '../db/pool';
import { generateDataset, type Dataset } from './generate';
import type { Keyring } from '../crypto/keyring';
import { SEALED_TABLES } from '../crypto/sealed-fields';
import { sealedColumns } from '../crypto/sealed-rows';

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
      customer_request: 'text', reply_channel: 'text', acknowledged_at: 'timestamptz', interim_due_at: 'timestamptz', first_progress_at: 'timestamptz',
      assigned_at: 'timestamptz', handling_measures: 'text', handling_owner_id: 'uuid', handling_deadline: 'timestamptz', investigation_cause: 'text',
      investigation_course: 'text', investigation_responsibility: 'text', investigation_conclusion: 'text', investigation_countermeasures: 'text',
      satisfaction_comment: 'text', delay_explained_at: 'timestamptz', branch: 'text',
    },
  },
  complaintEvents: {
    table: 'complaint_events',
    columns: { id: 'uuid', complaint_id: 'uuid', occurred_at: 'timestamptz', status: 'text', kind: 'text', actor_id: 'uuid', note: 'text' },
  },
  contactLogs: {
    table: 'contact_logs',
    columns: { id: 'uuid', customer_id: 'uuid', contacted_at: 'timestamptz', method: 'text', summary: 'text', staff_id: 'uuid', created_at: 'timestamptz' },
  },
};

/** A table's columns as stored: each sealed field as its ciphertext, masked form and blind index. */
function storedColumns(table: string, columns: Record<string, string>): Record<string, string> {
  const spec = SEALED_TABLES[table];
  if (!spec) return columns;
  const stored = { ...columns };
  for (const field of spec.fields) {
    delete stored[field.column];
    stored[`${field.column}_sealed`] = 'bytea';
    stored[`${field.column}_masked`] = 'text';
    if (field.blindIndex) stored[`${field.column}_bidx`] = 'bytea';
  }
  return stored;
}

/** Every customer's keys into the key store, and each sealed table's rows sealed under them. */
async function sealDataset(client: PoolClient, keyring: Keyring, data: Dataset): Promise<Record<keyof Dataset, readonly object[]>> {
  const dataKeys = new Map<string, Buffer>();
  const runner = { rows: async <R,>(text: string, values?: unknown[]) => (await client.query(text, values)).rows as R[] };
  for (const customer of data.customers) dataKeys.set(customer.id, await keyring.createCustomerKeys(runner as never, customer.id));
  const customerOfComplaint = new Map(data.complaints.map((c) => [c.id, c.customer_id]));
  const sealedRows = (key: keyof Dataset, customerOf: (row: Record<string, unknown>) => string) => {
    const { table } = TABLES[key];
    const spec = SEALED_TABLES[table];
    return (data[key] as unknown as Record<string, unknown>[]).map((row) => {
      const values = Object.fromEntries(spec.fields.map((f) => [f.property, row[f.column] ?? null]));
      return { ...row, ...sealedColumns(keyring, dataKeys.get(customerOf(row))!, table, String(row.id), values) };
    });
  };
  return {
    staff: data.staff,
    customers: sealedRows('customers', (row) => String(row.id)),
    contacts: sealedRows('contacts', (row) => String(row.customer_id)),
    transactions: sealedRows('transactions', (row) => String(row.customer_id)),
    complaints: sealedRows('complaints', (row) => String(row.customer_id)),
    complaintEvents: sealedRows('complaintEvents', (row) => customerOfComplaint.get(String(row.complaint_id))!),
    contactLogs: sealedRows('contactLogs', (row) => String(row.customer_id)),
  };
}

async function insertRows(client: PoolClient, key: keyof Dataset, rows: readonly object[]): Promise<void> {
  const { table } = TABLES[key];
  const columns = storedColumns(table, TABLES[key].columns);
  const names = Object.keys(columns);
  const casts = names.map((name, i) => `$${i + 1}::${columns[name]}[]`).join(', ');
  const sql = `INSERT INTO ${table} (${names.join(', ')}) SELECT * FROM unnest(${casts})`;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK) as Record<string, unknown>[];
    await client.query(sql, names.map((name) => chunk.map((row) => row[name])));
  }
}

export interface SeedOptions {
  /** Seals the sensitive fields under each customer's new data key. */
  keyring: Keyring;
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
      // Consents, relationship-manager and erasure requests name customers: a reset demo database starts without them too.
      // Governance rows (issue 18) and complaint messages / contact logs (issue 17) hang off customers, staff and complaints: emptied with them.
      await client.query('TRUNCATE access_review_decisions, alerts, incident_events, incidents, clear_access_grants, deletion_records, erasure_requests, consents, relationship_manager_changes, customer_duplicate_reviews, contact_logs, complaint_messages, complaint_events, complaints, transactions, contacts, customers, staff');
      await client.query('TRUNCATE keystore.customer_keys');
    } else {
      const { rows } = await client.query<{ n: number }>('SELECT (SELECT count(*) FROM customers) + (SELECT count(*) FROM staff) AS n');
      if (Number(rows[0].n) > 0) throw new DatabaseNotEmptyError('the database already has data; pass --reset to replace it');
    }
    const sealed = await sealDataset(client, options.keyring, data);
    for (const key of Object.keys(TABLES) as (keyof Dataset)[]) await insertRows(client, key, sealed[key]);
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
