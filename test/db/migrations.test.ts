import { Client } from 'pg';
import { createDataSource } from '../../src/db/data-source';
import { migrateDownAll, migrateUp, migrationNames } from '../../src/db/migrate';
import { createTestDatabase, type TestDatabase } from '../harness/database';

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    // Every relation (table, sequence, index) except TypeORM's own bookkeeping table and its index.
    const { rows } = await client.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S', 'i')
         AND c.oid <> 'schema_migrations'::regclass
         AND c.oid NOT IN (SELECT indexrelid FROM pg_index WHERE indrelid = 'schema_migrations'::regclass)
         AND c.relname NOT LIKE 'schema_migrations_id_seq'
       ORDER BY 1`,
    );
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

describe('ormconfig.ts', () => {
  it('default-exports a DataSource on DATABASE_URL for the TypeORM CLI', () => {
    const previous = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://someone@127.0.0.1:5999/somewhere';
    try {
      jest.isolateModules(() => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const { default: dataSource } = require('../../ormconfig') as typeof import('../../ormconfig');
        expect(dataSource.options).toMatchObject({ type: 'postgres', url: 'postgres://someone@127.0.0.1:5999/somewhere', synchronize: false });
        expect(dataSource.options.migrations).toEqual(expect.arrayContaining([expect.any(Function)]));
      });
    } finally {
      if (previous === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = previous;
    }
  });
});

describe('Migrations', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });

  afterAll(() => db.drop());

  it('create every table, index and sequence on an empty database', async () => {
    expect(await migrateUp(db.url)).toEqual(migrationNames());
    const created = await tables(db.url);
    for (const name of ['staff', 'customers', 'contacts', 'transactions', 'complaints', 'complaint_events', 'customer_archive_seq', 'transactions_customer_idx']) {
      expect(created).toContain(name);
    }
  });

  it('leave nothing for TypeORM to change: the entities and the migrations agree', async () => {
    const dataSource = createDataSource(db.url);
    await dataSource.initialize();
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('index every foreign key (an index starts with the referencing column)', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        `SELECT c.conname, c.conrelid::regclass::text AS table_name,
                EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1]) AS indexed
         FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace`,
      );
      expect(rows.length).toBeGreaterThanOrEqual(7);
      expect(rows.filter((r) => !r.indexed).map((r) => r.conname)).toEqual([]);
    } finally {
      await client.end();
    }
  });

  it('are idempotent: a second run applies nothing', async () => {
    expect(await migrateUp(db.url)).toEqual([]);
  });

  it('revert completely: every down() undoes its up()', async () => {
    expect(await migrateDownAll(db.url)).toBe(migrationNames().length);
    expect(await tables(db.url)).toEqual([]);
    expect(await migrateUp(db.url)).toEqual(migrationNames());
  });

  it('enforce the domain in the database too (check constraints and foreign keys)', async () => {
    const client = new Client({ connectionString: db.url });
    await client.connect();
    try {
      await expect(
        client.query(`INSERT INTO customers (kind, archive_number, name) VALUES ('ROBOT', 'E202401010000001', 'x')`),
      ).rejects.toMatchObject({ constraint: 'customers_kind_check' });
      await expect(
        client.query(`INSERT INTO customers (kind, archive_number, name) VALUES ('CORPORATE', 'P202401010000001', 'x')`),
      ).rejects.toMatchObject({ constraint: 'customers_archive_number_check' });
      await expect(
        client.query(`INSERT INTO transactions (customer_id, occurred_at, amount, direction, channel, product, account_number)
                      VALUES (gen_random_uuid(), now(), 10, 'DEBIT', 'ATM', 'x', '1')`),
      ).rejects.toMatchObject({ constraint: 'transactions_customer_fk' });
    } finally {
      await client.end();
    }
  });
});
