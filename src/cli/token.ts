/**
 * `npm run token -- --role sales [--staff <username> | --sub <staff id or username>] [--ttl 8h]`
 * prints a signed development token as the last line of stdout (same env as the server). Without
 * --staff or --sub it picks the first active staff member of that role in the directory (the demo
 * data has every role): every token belongs to one person, and the server checks that person on
 * every request. `--role partner --partner <id> --scopes a,b` registers a partner token (the
 * partner created on first use, with a development agreement); a partner an administrator registered
 * gets one only while it is active and bound by an approved agreement (never one made up here).
 */
import { parseArgs } from 'node:util';
import type { Pool } from 'pg';
import { isRole, ROLES, type Role } from '../auth/principal';
import { issueDevToken } from '../auth/token-issuer';
import { issueRegisteredPartnerToken } from '../auth/partner-dev-token';
import { migrateUp } from '../db/migrate';
import { runCli, withDatabase } from './run-cli';

/** The staff member a token is for: by username, or the first active one of the role. */
async function pickStaffMember(pool: Pool, role: Role, username: string | undefined): Promise<string> {
  const { rows } = await pool.query<{ id: string; role: string; active: boolean }>(
    `SELECT id, role, active FROM staff WHERE ($1::text IS NULL AND role = $2 AND active) OR username = $1 ORDER BY username LIMIT 1`,
    [username ?? null, role],
  );
  const member = rows[0];
  if (!member) throw new Error(username ? `no staff member with username ${username} (npm run staff -- list --as <admin>)` : `no active ${role} in the staff directory (npm start seeds the demo staff; npm run staff -- list)`);
  if (member.role !== role) throw new Error(`staff member ${username} has role ${member.role}, not ${role}`);
  if (!member.active) throw new Error(`staff member ${username} is deactivated`);
  return member.id;
}

runCli(async (ctx) => {
  const { config } = ctx;
  const { values } = parseArgs({
    options: {
      role: { type: 'string' },
      sub: { type: 'string' },
      staff: { type: 'string' },
      ttl: { type: 'string', default: '8h' },
      partner: { type: 'string' },
      scopes: { type: 'string', default: '' },
    },
  });
  if (!isRole(values.role)) throw new Error(`--role must be one of: ${ROLES.join(', ')}`);
  const role = values.role;
  if (!/^\d+[smhd]$/.test(values.ttl)) throw new Error('--ttl must look like 30m, 8h or 2d');
  if (role === 'partner' && !values.partner) throw new Error('--role partner needs --partner <id>');
  if (values.sub && values.staff) throw new Error('give --staff or --sub, not both');
  const scopes = values.scopes.split(',').map((s) => s.trim()).filter(Boolean);
  const token =
    role === 'partner'
      ? // A partner token must be registered to be accepted: this one goes into the database.
        await withDatabase(ctx, async (url, pool) => {
          await migrateUp(url);
          return issueRegisteredPartnerToken(pool, config, { partner: values.partner!, scopes, ttl: values.ttl, registeredPartnersGoverned: true });
        })
      : await issueDevToken(config, {
          role,
          ttl: values.ttl,
          sub:
            values.sub ??
            (await withDatabase(ctx, async (url, pool) => {
              await migrateUp(url);
              return pickStaffMember(pool, role, values.staff);
            })),
        });
  process.stdout.write(`${token}\n`);
});
