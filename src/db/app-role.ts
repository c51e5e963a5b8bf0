/** Whether this database has the app's restricted role and the connecting user may act as it. */
import { Client } from 'pg';
import type { Logger } from '../logger';
import { APP_ROLE } from '../../migrations/1795334400000-AuditRegister';

export async function appRoleFor(url: string, log: Logger): Promise<string | undefined> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ usable: boolean }>(
      `SELECT pg_has_role(current_user, oid, 'MEMBER') AS usable FROM pg_roles WHERE rolname = $1`,
      [APP_ROLE],
    );
    if (rows[0]?.usable) return APP_ROLE;
    log.warn({ role: APP_ROLE }, 'the app role is missing or not granted to this user: requests run as the connecting user and the audit register is protected by triggers only');
    return undefined;
  } finally {
    await client.end();
  }
}
