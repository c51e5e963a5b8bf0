/**
 * A request-like context for the operator CLIs (`npm run partner`, `npm run staff`): the app's own
 * database role, the same services, the same change history — acting as the active administrator
 * `--as <username>` names (no shared account: the change history says who, and the rules that
 * compare people, such as "whoever onboarded a partner does not record its consents", hold).
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { buildAccessRecord } from '../audit/access-plugin';
import { AccessWriter } from '../audit/access-writer';
import type { Principal, Role } from '../auth/principal';
import { systemClock } from '../clock';
import { loadSigningKey, loadValueHasher } from '../audit/keys';
import { createTokenSigner } from '../auth/token-issuer';
import { createRequestContext, type RequestContext } from '../context';
import { appRoleFor } from '../db/app-role';
import { migrateUp } from '../db/migrate';
import { createPool } from '../db/pool';
import type { Pool } from 'pg';
import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import { attachKeyring, loadKeyring, type Keyring } from '../crypto/keyring';
import { withDatabase, type CliContext } from './run-cli';

/** The pools an operator command may use besides its context: the app role's (the context's own) and the connecting user's. */
export interface OperatorPools {
  /** Acts as the app's role, like the server, with the server's keyring (or the one given). */
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
    // Every operator command may touch sealed rows (deactivating a member revokes their grants, whose texts are sealed).
    attachKeyring(pool, options.keyring ?? loadKeyring(cli.config.keys));
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

export interface StaffContextOptions {
  /** Leave one access record per command, as the API does for every operation on customer data. */
  register?: boolean;
}

/**
 * As `withOperatorContext`, for any active member of the directory `--as` names, acting in the role
 * the directory gives them (the erasure flow's steps are taken by service agents, managers and
 * administrators), with the server's keyring attached (an erasure destroys keys and makes the
 * keyring forget them). The services check what the member may do, as they do for the API.
 */
export async function withStaffContext<T>(cli: CliContext, operationName: string, username: string | undefined, work: (ctx: RequestContext) => Promise<T>, options: StaffContextOptions = {}): Promise<T> {
  if (!username) throw new Error('--as <username> is required: the active staff member who takes this step');
  return withDatabase(cli, async (url) => {
    await migrateUp(url);
    const pool = createPool(url, 2, { role: await appRoleFor(url, cli.log) });
    attachKeyring(pool, loadKeyring(cli.config.keys));
    try {
      loadSigningKey(cli.config); // the audit keys exist before anything is written
      const { rows: [member] } = await pool.query<{ id: string; role: Role }>(`SELECT id, role FROM staff WHERE username = $1 AND active AND role <> 'partner'`, [username]);
      if (!member) throw new Error(`--as must name an active staff member (npm run staff -- list --active); ${os.userInfo().username} at the console is no one in the directory`);
      const principal: Principal = {
        sub: member.id, role: member.role, scopes: [], partnerId: null, tokenId: null, staffId: member.id, issuedAt: null,
        expiresAt: new Date(Date.now() + 3_600_000),
      };
      return await runRegistered(cli, pool, principal, operationName, work, options);
    } finally {
      await pool.end();
    }
  });
}

/** A job no person runs (`npm run retention`): the change history names it by `sub`, in the administrators' role. */
export async function withSystemContext<T>(cli: CliContext, operationName: string, sub: string, work: (ctx: RequestContext) => Promise<T>): Promise<T> {
  return withDatabase(cli, async (url) => {
    await migrateUp(url);
    const pool = createPool(url, 2, { role: await appRoleFor(url, cli.log) });
    attachKeyring(pool, loadKeyring(cli.config.keys));
    try {
      loadSigningKey(cli.config);
      const principal: Principal = { sub, role: 'admin', scopes: [], partnerId: null, tokenId: null, staffId: null, issuedAt: null, expiresAt: new Date(Date.now() + 3_600_000) };
      return await runRegistered(cli, pool, principal, operationName, work, {});
    } finally {
      await pool.end();
    }
  });
}

async function runRegistered<T>(cli: CliContext, pool: Pool, principal: Principal, operationName: string, work: (ctx: RequestContext) => Promise<T>, options: StaffContextOptions): Promise<T> {
  const ctx = createRequestContext(pool, principal, { requestId: `cli-${randomUUID()}`, clientAddress: null }, cli.log, {
    hashValue: loadValueHasher(cli.config),
    signToken: createTokenSigner(cli.config),
    consentBackdateDays: cli.config.consentBackdateDays,
    clock: systemClock,
  });
  ctx.operation.name = operationName;
  if (!options.register) return work(ctx);
  const writer = new AccessWriter(pool, cli.log);
  const started = { at: new Date(), hr: process.hrtime.bigint() };
  let codes: string[] = [];
  try {
    return await work(ctx);
  } catch (error) {
    codes = [String((error as { extensions?: { code?: unknown } }).extensions?.code ?? 'INTERNAL_SERVER_ERROR')];
    throw error;
  } finally {
    await writer.append(buildAccessRecord(ctx, started, { type: 'cli', name: operationName, hash: null }, codes));
  }
}
