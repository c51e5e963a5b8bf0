/** `npm run seed -- --customers N [--seed S] [--reset]` — a deterministic demo dataset. */
import { parseArgs } from 'node:util';
import { migrateUp } from '../db/migrate';
import { seedDatabase } from '../seed/seed';
import { loadKeyring } from '../crypto/keyring';
import { runCli, withDatabase } from './run-cli';

runCli(async (ctx) => {
  const { values } = parseArgs({
    options: {
      customers: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '42' },
      reset: { type: 'boolean', default: false },
    },
  });
  const customers = Number(values.customers);
  const seed = Number(values.seed);
  if (!Number.isInteger(customers) || customers < 0) throw new Error('--customers must be a whole number');
  if (!Number.isInteger(seed)) throw new Error('--seed must be a whole number');
  await withDatabase(ctx, async (url, pool) => {
    await migrateUp(url);
    const report = await seedDatabase(pool, { keyring: loadKeyring(ctx.config.keys), customers, seed, reset: values.reset });
    ctx.log.info(report, 'seeded');
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
});
