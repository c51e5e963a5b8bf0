/**
 * A request-like context for the operator CLIs (`npm run partner`, `npm run staff`): the app's own
 * database role, the same services, the same change history — acting as the active administrator
 * `--as <username>` names (no shared account: the change history says who, and the rules that
 * compare people, such as "whoever onboarded a partner does not record its consents", hold).
 */
import os from 'node:os';
import { loadSigningKey, loadValueHasher } from '../audit/keys';
import { createTokenSigner } from '../auth/token-issuer';
import { createRequestContext, type RequestContext } from '../context';
import { appRoleFor } from '../db/app-role';
import { migrateUp } from '../db/migrate';
import { createPool } from '../db/pool';
import { withDatabase, type CliContext } from './run-cli';

export async function withOperatorContext<T>(cli: CliContext, operationName: string, operator: string | undefined, work: (ctx: RequestContext) => Promise<T>): Promise<T> {
  if (!operator) throw new Error('--as <username> is required: the active administrator who runs this command');
  return withDatabase(cli, async (url) => {
    await migrateUp(url);
    const pool = createPool(url, 2, { role: await appRoleFor(url, cli.log) });
    try {
      loadSigningKey(cli.config); // the audit keys exist before anything is written
      const { rows: [admin] } = await pool.query<{ id: string }>(`SELECT id FROM staff WHERE username = $1 AND role = 'admin' AND active`, [operator]);
      if (!admin) throw new Error(`--as must name an active administrator (npm run staff -- list --role admin --active); ${os.userInfo().username} at the console is no one in the directory`);
      const principal = {
        sub: admin.id, role: 'admin' as const, scopes: [], partnerId: null, tokenId: null, staffId: admin.id, issuedAt: null,
        expiresAt: new Date(Date.now() + 3_600_000),
      };
      const ctx = createRequestContext(pool, principal, { requestId: `cli-${Date.now()}`, clientAddress: null }, cli.log, {
        hashValue: loadValueHasher(cli.config),
        signToken: createTokenSigner(cli.config),
        consentBackdateDays: cli.config.consentBackdateDays,
      });
      ctx.operation.name = operationName;
      return await work(ctx);
    } finally {
      await pool.end();
    }
  });
}

/** Prints a command's result as JSON on stdout. */
export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
