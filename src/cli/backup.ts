/**
 * Backups that honour erasure (docs/operators.md):
 *   npm run backup                       the data (BACKUP_DIR) and, apart, the key store (KEYSTORE_BACKUP_DIR,
 *                                        kept KEYSTORE_BACKUP_DAYS days: older ones are deleted here), one snapshot
 *   npm run restore -- --data <backup> [--keys <key-store backup>] --into <DATABASE_URL of an empty database>
 *                       (--live <DATABASE_URL of the live database> | --erasures <file> | --without-live-erasures)
 *                                        the data, the key store (default: the newest backup), then every erasure
 *                                        re-applied (deletion records restored, live, listed); without a source of the
 *                                        erasures since the backup it refuses, unless told there is none
 * Prints a JSON report; no key material, no personal data.
 */
import { parseArgs } from 'node:util';
import { backup, backupSettings, locateBackup } from '../db/backup';
import { readErasureList, restore } from '../db/restore';
import { loadKeyring } from '../crypto/keyring';
import { print } from './operator-context';
import { runCli, withDatabase } from './run-cli';

runCli(async (cli) => {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      data: { type: 'string' }, keys: { type: 'string' }, into: { type: 'string' }, erasures: { type: 'string' }, live: { type: 'string' },
      'without-live-erasures': { type: 'boolean', default: false },
    },
  });
  const settings = backupSettings(cli.config);
  switch (positionals[0]) {
    case 'backup':
      return print(await withDatabase(cli, (url) => backup(url, settings, cli.log)));
    case 'restore': {
      if (!values.data || !values.into) throw new Error('usage: npm run restore -- --data <backup> [--keys <key-store backup>] --into <url of an empty database> (--live <url> | --erasures <file> | --without-live-erasures)');
      return print(
        await restore({
          data: locateBackup(values.data, settings.dataDir),
          keys: values.keys ? locateBackup(values.keys, settings.keystoreDir) : undefined,
          into: values.into,
          erasures: values.erasures ? readErasureList(values.erasures) : undefined,
          liveUrl: values.live,
          withoutLiveErasures: values['without-live-erasures'],
          keyring: loadKeyring(cli.config.keys),
          settings,
          log: cli.log,
        }),
      );
    }
    default:
      throw new Error('usage: backup.ts <backup|restore> (npm run backup, npm run restore; see src/cli/backup.ts)');
  }
});
