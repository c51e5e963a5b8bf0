/**
 * A request-like context for the operator CLIs (`npm run partner`, `npm run staff`): the app's own
 * database role, the same services, the same change history, acting as `cli:<OS user>` with the
 * admin role (an operator at the console, not a staff member: no relationship ever holds for it).
 */
import os from 'node:os';
import { loadSigningKey, loadValueHasher } from '../audit/keys';
import { createTokenSigner } from '../auth/token-issuer';
import { createRequestContext, type RequestContext } from '../context';
import { appRoleFor } from '../db/app-role';
import { migrateUp } from '../db/migrate';
import { createPool } from '../db/pool';
import { withDatabase, type CliContext } from './run-cli';

export async function withOperatorContext<T>(cli: CliContext, operationName: string, work: (ctx: RequestContext) => Promise<T>): Promise<T> {
  return withDatabase(cli, async (url) => {
    await migrateUp(url);
    const pool = createPool(url, 2, { role: await appRoleFor(url, cli.log) });
    try {
      loadSigningKey(cli.config); // the audit keys exist before anything is written
      const principal = {
        sub: `cli:${os.userInfo().username}`, role: 'admin' as const, scopes: [], partnerId: null, tokenId: null, staffId: null, issuedAt: null,
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
