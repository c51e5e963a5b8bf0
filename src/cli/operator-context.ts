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
import type { Pool } from 'pg';
import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import { attachKeyring, type Keyring } from '../crypto/keyring';
import { withDatabase, type CliContext } from './run-cli';

/** The pools an operator command may use besides its context: the app role's (the context's own) and the connecting user's. */
export interface OperatorPools {
  /** Acts as the app's role, like the server; rows with sealed columns open when a keyring was given. */
  pool: Pool;
  /** The connecting user (owner, in the usual setup): for steps only the owner may take. */
  ownerPool: Pool;
}

export async function withOperatorContext<T>(
  cli: CliContext,
  operationName: string,
  operator: string | undefined,
  work: (ctx: RequestContext, pools: OperatorPools) => Promise<T>,
  options: { keyring?: Keyring } = {},
): Promise<T> {
  if (!operator) throw new Error('--as <username> is required: the active administrator who runs this command');
  return withDatabase(cli, async (url, ownerPool) => {
    await migrateUp(url);
    const pool = createPool(url, 2, { role: await appRoleFor(url, cli.log) });
    if (options.keyring) attachKeyring(pool, options.keyring);
    try {
      const ctx = await operatorContext(pool, cli.config, cli.log, operationName, operator);
      return await work(ctx, { pool, ownerPool });
    } finally {
      await pool.end();
    }
  });
}

/** A request context acting as the active administrator `operator` names (also used by tests that drive operator steps). */
export async function operatorContext(pool: Pool, config: AppConfig, log: Logger, operationName: string, operator: string): Promise<RequestContext> {
  loadSigningKey(config); // the audit keys exist before anything is written
  const { rows: [admin] } = await pool.query<{ id: string }>(`SELECT id FROM staff WHERE username = $1 AND role = 'admin' AND active`, [operator]);
  if (!admin) throw new Error(`--as must name an active administrator (npm run staff -- list --role admin --active); ${os.userInfo().username} at the console is no one in the directory`);
  const principal = {
    sub: admin.id, role: 'admin' as const, scopes: [], partnerId: null, tokenId: null, staffId: admin.id, issuedAt: null,
    expiresAt: new Date(Date.now() + 3_600_000),
  };
  const ctx = createRequestContext(pool, principal, { requestId: `cli-${Date.now()}`, clientAddress: null }, log, {
    hashValue: loadValueHasher(config),
    signToken: createTokenSigner(config),
    consentBackdateDays: config.consentBackdateDays,
  });
  ctx.operation.name = operationName;
  return ctx;
}

/** Prints a command's result as JSON on stdout. */
export function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
