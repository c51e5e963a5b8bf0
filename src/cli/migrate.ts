/** `npm run migrate` — applies pending migrations; `-- --down` reverts the last one. */
import { parseArgs } from 'node:util';
import { migrateDownLast, migrateUp } from '../db/migrate';
import { runCli, withDatabase } from './run-cli';

runCli(async (ctx) => {
  const { values } = parseArgs({ options: { down: { type: 'boolean', default: false } } });
  await withDatabase(ctx, async (url) => {
    if (values.down) {
      await migrateDownLast(url);
      ctx.log.info('reverted the last migration');
      return;
    }
    const applied = await migrateUp(url);
    ctx.log.info({ applied }, applied.length ? 'migrations applied' : 'schema is up to date');
  });
});
