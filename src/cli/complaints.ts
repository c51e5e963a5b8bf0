/**
 * `npm run complaints -- deliver | escalate`: the complaint jobs the server runs every
 * COMPLAINT_JOBS_SECONDS, run once by hand or from a scheduler (both safe from several processes
 * at once). `deliver` sends the outbox over the configured channels (SMTP_URL, SMS_GATEWAY_URL);
 * `escalate` escalates complaints near their due time with no progress. Prints what was done.
 */
import { loadValueHasher, loadSigningKey } from '../audit/keys';
import { attachKeyring, loadKeyring } from '../crypto/keyring';
import { appRoleFor } from '../db/app-role';
import { migrateUp } from '../db/migrate';
import { createPool } from '../db/pool';
import { escalateDueComplaints } from '../notify/escalation-job';
import { channelsFromConfig, escalationWindowHours } from '../notify/jobs';
import { deliverDueMessages } from '../notify/outbox-worker';
import { print } from './operator-context';
import { runCli, withDatabase } from './run-cli';

runCli(async (cli) => {
  const command = process.argv[2];
  if (command !== 'deliver' && command !== 'escalate') throw new Error('usage: npm run complaints -- deliver | escalate');
  await withDatabase(cli, async (url) => {
    await migrateUp(url);
    const pool = createPool(url, 2, { role: await appRoleFor(url, cli.log) });
    attachKeyring(pool, loadKeyring(cli.config.keys));
    try {
      if (command === 'deliver') {
        const channels = channelsFromConfig(cli.config);
        if (Object.keys(channels).length === 0) throw new Error('no channel configured: set SMTP_URL and/or SMS_GATEWAY_URL');
        try {
          print(await deliverDueMessages({ pool, channels, now: new Date() }));
        } finally {
          for (const channel of Object.values(channels)) channel?.close?.();
        }
      } else {
        loadSigningKey(cli.config);
        const escalated = await escalateDueComplaints({ pool, hashValue: loadValueHasher(cli.config), now: new Date(), windowHours: escalationWindowHours() });
        print({ escalated });
      }
    } finally {
      await pool.end();
    }
  });
});
