/** `npm run migrate` — applies pending migrations; `-- --down` reverts the last one. */
import { parseArgs } from 'node:util';
import { createDataSource } from '../db/data-source';
import { migrateUp } from '../db/migrate';
import { runCli, withDatabase } from './run-cli';

runCli(async (ctx) => {
  const { values } = parseArgs({ options: { down: { type: 'boolean', default: false } } });
  await withDatabase(ctx, async (url) => {
    if (values.down) {
      const dataSource = createDataSource(url);
      await dataSource.initialize();
      try {
        await dataSource.undoLastMigration({ transaction: 'each' });
      } finally {
        await dataSource.destroy();
      }
      ctx.log.info('reverted the last migration');
      return;
    }
    const applied = await migrateUp(url);
    ctx.log.info({ applied }, applied.length ? 'migrations applied' : 'schema is up to date');
  });
});
