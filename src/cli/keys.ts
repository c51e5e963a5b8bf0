/**
 * `npm run keys -- <command> --as <admin username>`: the keys behind the sealed fields, online while
 * the server serves (docs/operators.md has the schedule). Prints counts and key ids, never key material.
 *   status                                         KEKs, data keys per KEK, customers without keys, plaintext left, key ages
 *   rotate-kek [--keep-old] [--batch N] [--max-batches N]
 *                                                  a new KEK; every data and history key re-wrapped under it; old KEKs
 *                                                  retired once nothing references them (re-run continues an interrupted one)
 *   rotate-data-keys [--customer ID] [--older-than DAYS] [--max-customers N]
 *                                                  new data keys; every sealed value of those customers re-sealed
 *   seal                                           seals plaintext an older version left (also run at server start)
 */
import { parseArgs } from 'node:util';
import { isUuid } from '../input-errors';
import { loadKeyring } from '../crypto/keyring';
import { keyStatus, rotateDataKeys, rotateKek, sealAndRecord } from '../crypto/rotation';
import { print, withOperatorContext } from './operator-context';
import { runCli } from './run-cli';

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      as: { type: 'string' }, customer: { type: 'string' }, 'older-than': { type: 'string' }, 'keep-old': { type: 'boolean', default: false },
      batch: { type: 'string' }, 'max-batches': { type: 'string' }, 'max-customers': { type: 'string' },
    },
  });
  const count = (name: string, value: string | undefined, min = 1): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
    return n;
  };
  const command = positionals[0];
  if (!['status', 'rotate-kek', 'rotate-data-keys', 'seal'].includes(command ?? '')) {
    throw new Error('usage: keys <status|rotate-kek|rotate-data-keys|seal> --as <admin username> (see src/cli/keys.ts)');
  }
  if (values.customer !== undefined && !isUuid(values.customer)) throw new Error('--customer must be a customer id');
  const keyring = loadKeyring(cli.config.keys);
  await withOperatorContext(
    cli,
    `cli:keys:${command}`,
    values.as,
    async (ctx, { pool, ownerPool }) => {
      const op = { db: ctx.db, keyring, monitor: ownerPool };
      switch (command) {
        case 'status':
          return print(await keyStatus(ctx.db, keyring.provider));
        case 'rotate-kek': {
          const report = await rotateKek(op, { batch: count('batch', values.batch), maxBatches: count('max-batches', values['max-batches']), keepOld: values['keep-old'] });
          print(report);
          if (!report.complete) cli.log.warn({ remaining: report.remaining }, 'rotation not finished: run rotate-kek again to continue');
          return;
        }
        case 'rotate-data-keys': {
          const report = await rotateDataKeys(op, {
            customerId: values.customer,
            olderThanDays: count('older-than', values['older-than'], 0),
            maxCustomers: count('max-customers', values['max-customers']),
          });
          print(report);
          if (report.failed.length > 0) throw new Error(`${report.failed.length} customers' values did not open under their own key: not rotated`);
          if (!report.complete) cli.log.warn({ remaining: report.remaining }, 'rotation not finished: run rotate-data-keys again with --older-than 1 to continue');
          return;
        }
        default:
          return print(await sealAndRecord(op, ownerPool));
      }
    },
    { keyring },
  );
});
