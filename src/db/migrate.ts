/** Applies (or reverts) migrations through TypeORM, then closes its short-lived pool. */
import { createDataSource } from './data-source';
import { MIGRATIONS } from '../../migrations';
import type { Pool } from 'pg';

export async function migrateUp(url: string): Promise<string[]> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}

/** Reverts every applied migration, newest first (tests prove each down() undoes its up()). */
export async function migrateDownAll(url: string): Promise<number> {
  const dataSource = createDataSource(url);
  await dataSource.initialize();
  let reverted = 0;
  try {
    while ((await dataSource.query(`SELECT to_regclass('schema_migrations') IS NOT NULL AS present`))[0].present &&
           Number((await dataSource.query('SELECT count(*) AS n FROM schema_migrations'))[0].n) > 0) {
      await dataSource.undoLastMigration({ transaction: 'each' });
      reverted++;
    }
  } finally {
    await dataSource.destroy();
  }
  return reverted;
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
