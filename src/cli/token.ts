/**
 * `npm run token -- --role sales [--sub <staff id>] [--ttl 8h] [--partner <id> --scopes a,b]`
 * (partner tokens are registered in the database, the partner created on first use)
 * prints a signed development token as the last line of stdout (same env as the server).
 */
import { parseArgs } from 'node:util';
import { isRole, ROLES } from '../auth/principal';
import { issueDevToken } from '../auth/token-issuer';
import { issueRegisteredPartnerToken } from '../auth/partner-dev-token';
import { migrateUp } from '../db/migrate';
import { runCli, withDatabase } from './run-cli';

runCli(async (ctx) => {
  const { config } = ctx;
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      ttl: { type: 'string', default: '8h' },
      partner: { type: 'string' },
      scopes: { type: 'string', default: '' },
    },
  });
  if (!isRole(values.role)) throw new Error(`--role must be one of: ${ROLES.join(', ')}`);
  if (!/^\d+[smhd]$/.test(values.ttl)) throw new Error('--ttl must look like 30m, 8h or 2d');
  if (values.role === 'partner' && !values.partner) throw new Error('--role partner needs --partner <id>');
  const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
  // A partner token must be registered to be accepted: this one goes into the database.
  const token =
    values.role === 'partner'
      ? await withDatabase(ctx, async (url, pool) => {
          await migrateUp(url);
          return issueRegisteredPartnerToken(pool, config, { partner: values.partner!, scopes, ttl: values.ttl });
        })
      : await issueDevToken(config, { role: values.role, sub: values.sub, ttl: values.ttl, partner: values.partner, scopes });
  process.stdout.write(`${token}\n`);
});
