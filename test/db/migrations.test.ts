import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { loadConfig } from '../../src/config';
import { loadKeyring } from '../../src/crypto/keyring';
import { sealedColumns } from '../../src/crypto/sealed-rows';
import { newDataKey } from '../../src/crypto/sealing';
import { createDataSource } from '../../src/db/data-source';
import { migrateDownAll, migrateDownLast, migrateUp, migrationNames } from '../../src/db/migrate';
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

/**
 * The schema as PostgreSQL describes it, every schema but the system's and TypeORM's bookkeeping:
 * relations with their effective privileges, columns (type, NOT NULL, default), constraints (with
 * NOT VALID), indexes, triggers and functions. A time written into a constraint by a migration
 * (ConsentIntegrity's cut-off) is the moment it ran, so it is compared as `<time>`.
 */
async function schemaOf(url: string): Promise<Record<string, string[]>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const lines = async (text: string) =>
      (await client.query<{ x: string }>(text)).rows.map((r) => r.x.replace(/'\d{4}-\d{2}-\d{2} [\d:.]+\+00'/g, "'<time>'"));
    const own = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg\\_temp%' AND n.nspname NOT LIKE 'pg\\_toast\\_temp%'`;
    const notBookkeeping = `c.relname NOT LIKE 'schema\\_migrations%' AND NOT EXISTS (SELECT 1 FROM pg_index bi WHERE bi.indexrelid = c.oid AND bi.indrelid::regclass::text = 'schema_migrations')`;
    return {
      schemas: await lines(`SELECT n.nspname || ' ' || coalesce(n.nspacl, acldefault('n', n.nspowner))::text AS x FROM pg_namespace n WHERE ${own} ORDER BY 1`),
      relations: await lines(
        `SELECT n.nspname || '.' || c.relname || ' ' || c.relkind::text || ' ' || coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' ELSE 'r' END::"char", c.relowner))::text AS x
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${own} AND ${notBookkeeping} AND c.relkind <> 't' ORDER BY 1`,
      ),
      columns: await lines(
        `SELECT n.nspname || '.' || c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
                || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END || coalesce(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '') AS x
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
         WHERE ${own} AND ${notBookkeeping} AND c.relkind IN ('r', 'v', 'm', 'p') AND a.attnum > 0 AND NOT a.attisdropped ORDER BY 1`,
      ),
      constraints: await lines(
        `SELECT n.nspname || '.' || c.relname || ' ' || k.conname || ' ' || pg_get_constraintdef(k.oid) || CASE WHEN k.convalidated THEN '' ELSE ' NOT VALID' END AS x
         FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE ${own} AND ${notBookkeeping} ORDER BY 1`,
      ),
      indexes: await lines(
        `SELECT pg_get_indexdef(i.indexrelid) AS x FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE ${own} AND ${notBookkeeping} ORDER BY 1`,
      ),
      triggers: await lines(
        `SELECT c.relname || ' ' || pg_get_triggerdef(t.oid) AS x FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE ${own} AND NOT t.tgisinternal ORDER BY 1`,
      ),
      functions: await lines(
        `SELECT n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') ' || md5(p.prosrc) || ' ' || coalesce(p.proacl, acldefault('f', p.proowner))::text AS x
         FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE ${own} ORDER BY 1`,
      ),
    };
  } finally {
    await client.end();
  }
}

/** A DataSource that knows the first `count` migrations only (to apply and revert them one at a time). */
function dataSourceUpTo(url: string, count: number): DataSource {
  return new DataSource({ ...createDataSource(url).options, migrations: MIGRATIONS.slice(0, count) } as ConstructorParameters<typeof DataSource>[0]);
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
      // A transaction as the app writes it (account number sealed) for a customer who does not exist: the foreign key refuses it.
      const keyring = loadKeyring(loadConfig().keys);
      const [id, customerId] = [randomUUID(), randomUUID()];
      const sealed = sealedColumns(keyring, newDataKey(), 'transactions', id, { accountNumber: '6222020000111122223' });
      const names = Object.keys(sealed);
      await expect(
        client.query(
          `INSERT INTO transactions (id, customer_id, occurred_at, amount, direction, channel, product, ${names.join(', ')})
           VALUES ($1, $2, now(), 10, 'DEBIT', 'ATM', 'x', ${names.map((_, i) => `$${i + 3}`).join(', ')})`,
          [id, customerId, ...Object.values(sealed)],
        ),
      ).rejects.toMatchObject({ constraint: 'transactions_customer_fk' });
      // The same row with its account number in clear is refused before that: nothing is written in clear.
      await expect(
        client.query(`INSERT INTO transactions (customer_id, occurred_at, amount, direction, channel, product, account_number)
                      VALUES (gen_random_uuid(), now(), 10, 'DEBIT', 'ATM', 'x', '1')`),
      ).rejects.toMatchObject({ constraint: 'transactions_plaintext_sealed_check' });
    } finally {
      await client.end();
    }
  });
});

describe('Migrations, one at a time', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase({ empty: true });
  });

  afterAll(() => db.drop());

  it('each down() restores exactly the schema its up() found, and up() after down() gives the same schema again', async () => {
    let found = await schemaOf(db.url);
    expect(found.relations).toEqual([]);
    for (let count = 1; count <= MIGRATIONS.length; count++) {
      const dataSource = dataSourceUpTo(db.url, count);
      await dataSource.initialize();
      try {
        const name = migrationNames()[count - 1];
        expect((await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual([name]);
        const applied = await schemaOf(db.url);
        await dataSource.undoLastMigration({ transaction: 'each' });
        expect({ name, schema: await schemaOf(db.url) }).toEqual({ name, schema: found });
        await dataSource.runMigrations({ transaction: 'each' });
        expect({ name, schema: await schemaOf(db.url) }).toEqual({ name, schema: applied });
        found = applied;
      } finally {
        await dataSource.destroy();
      }
    }
    expect(await migrateDownAll(db.url)).toBe(MIGRATIONS.length);
    expect((await schemaOf(db.url)).schemas.map((s) => s.split(' ')[0])).not.toContain('keystore');
  });
});

describe('SealedFields down() on a database holding sealed values', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase(); // the seeded template: sealed values and customers' keys
  });

  afterAll(() => db.drop());

  it('refuses, destroying neither a sealed value nor a key', async () => {
    const count = async () =>
      (await db.pool.query<{ keys: number; sealed: number }>(
        `SELECT (SELECT count(*) FROM keystore.customer_keys)::int AS keys, (SELECT count(*) FROM customers WHERE phone_sealed IS NOT NULL)::int AS sealed`,
      )).rows[0];
    const before = await count();
    expect(before.keys).toBeGreaterThan(0);
    expect(before.sealed).toBeGreaterThan(0);
    // The migrations after it go down first (they hold no sealed value of their own).
    const last = async () => (await db.pool.query(`SELECT name FROM schema_migrations ORDER BY id DESC LIMIT 1`)).rows[0].name as string;
    while ((await last()) !== 'SealedFields1795507800000') await migrateDownLast(db.url);
    await expect(migrateDownLast(db.url)).rejects.toThrow(/SealedFields down\(\).*would destroy them/);
    expect(await count()).toEqual(before);
    expect((await db.pool.query(`SELECT name FROM schema_migrations ORDER BY id DESC LIMIT 1`)).rows[0].name).toBe('SealedFields1795507800000');
  });
});
