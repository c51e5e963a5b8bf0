/** Applies (or reverts) migrations through TypeORM, then closes its short-lived pool. */
import type { DataSource } from 'typeorm';
import { createDataSource } from './data-source';
import { MIGRATIONS } from '../../migrations';
import type { Pool } from 'pg';

async function withDataSource<T>(url: string, work: (dataSource: DataSource) => Promise<T>): Promise<T> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

export function migrateUp(url: string): Promise<string[]> {
  return withDataSource(url, async (dataSource) => (await dataSource.runMigrations({ transaction: 'each' })).map((m) => m.name));
}

/** Reverts the newest applied migration (`npm run migrate -- --down`). */
export function migrateDownLast(url: string): Promise<void> {
  return withDataSource(url, (dataSource) => dataSource.undoLastMigration({ transaction: 'each' }));
}

/** Reverts every applied migration, newest first (tests prove each down() undoes its up()). */
export function migrateDownAll(url: string): Promise<number> {
  return withDataSource(url, async (dataSource) => {
    let reverted = 0;
    while ((await dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`))[0].present &&
           Number((await dataSource.query('SELECT count(*) AS n FROM schema_migrations'))[0].n) > 0) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      reverted++;
    }
    return reverted;
  });
}

export function migrationNames(): string[] {
  return MIGRATIONS.map((m) => (m as unknown as { prototype: { name?: string }; name: string }).name);
}

/** True when every known migration is recorded as applied. */
export async function migrationsApplied(pool: Pool): Promise<boolean> {
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM schema_migrations`);
  const applied = new Set(rows.map((r) => r.name));
  return migrationNames().every((name) => applied.has(name));
}
