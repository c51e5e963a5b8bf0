import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTokenVerifier, partnerTokenLookup } from '../../src/auth/verifier';
import { loadConfig } from '../../src/config';
import { createTestDatabase, type TestDatabase } from '../harness/database';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

function cli(script: string, args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, ['-r', 'ts-node/register/transpile-only', `src/cli/${script}.ts`, ...args], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.build.json', ...env },
  });
}

describe('CLI', () => {
  describe('npm run token', () => {
    it('prints, as the last line of stdout, a partner token registered in the database that the server accepts', async () => {
      const db = await createTestDatabase();
      try {
        const { stdout } = await cli('token', ['--role', 'partner', '--partner', 'acme', '--scopes', 'customers:read,transactions:read', '--ttl', '30m'], { DATABASE_URL: db.url });
        const token = stdout.trim().split('\n').pop()!;
        // Not registered (another database): refused.
        await expect(createTokenVerifier(loadConfig())(token)).rejects.toThrow(/not issued by this server/);
        const principal = await createTokenVerifier(loadConfig(), partnerTokenLookup(db.pool))(token);
        expect(principal).toMatchObject({ role: 'partner', partnerId: 'acme', scopes: ['customers:read', 'transactions:read'] });
        const minutesLeft = (principal.expiresAt.getTime() - Date.now()) / 60_000;
        expect(minutesLeft).toBeGreaterThan(28);
        expect(minutesLeft).toBeLessThanOrEqual(30);
        await expect(cli('token', ['--role', 'partner', '--partner', 'acme', '--scopes', 'customers:everything'], { DATABASE_URL: db.url })).rejects.toMatchObject({ code: 1 });
      } finally {
        await db.drop();
      }
    });

    it('npm run partner registers a partner, issues a token the server accepts, and revokes it at once', async () => {
      const db = await createTestDatabase();
      try {
        const env = { DATABASE_URL: db.url };
        const registered = JSON.parse((await cli('partner', ['register', '--id', 'beta', '--name', 'Beta Leasing', '--purposes', 'partner_service,credit_assessment'], env)).stdout);
        expect(registered).toMatchObject({ id: 'beta', purposes: ['partner_service', 'credit_assessment'], allowListOnly: false });
        const issued = JSON.parse((await cli('partner', ['issue', '--partner', 'beta', '--scopes', 'customers:read', '--days', '7'], env)).stdout);
        const verify = createTokenVerifier(loadConfig(), partnerTokenLookup(db.pool));
        expect(await verify(issued.token)).toMatchObject({ role: 'partner', partnerId: 'beta', scopes: ['customers:read'] });
        const listed = (await cli('partner', ['list', '--partner', 'beta'], env)).stdout;
        expect(listed).toContain(issued.details.id);
        expect(listed).not.toContain(issued.token);
        await cli('partner', ['revoke', '--token', issued.details.id], env);
        await expect(verify(issued.token)).rejects.toThrow(/revoked/);
        await expect(cli('partner', ['issue', '--partner', 'beta', '--scopes', 'customers:all'], env)).rejects.toMatchObject({ code: 1 });
        const history = await db.pool.query(`SELECT entity, action, principal_sub FROM audit_changes ORDER BY seq`);
        expect(history.rows.map((r) => `${r.entity}:${r.action}`)).toEqual(['Partner:CREATE', 'PartnerToken:CREATE', 'PartnerToken:UPDATE']);
        expect(history.rows.every((r) => String(r.principal_sub).startsWith('cli:'))).toBe(true);
      } finally {
        await db.drop();
      }
    });

    it('uses --sub as the subject', async () => {
      const { stdout } = await cli('token', ['--role', 'sales', '--sub', '0b7f4c52-2f4e-4b8e-9d3c-2a1f6a0c9e11']);
      const principal = await createTokenVerifier(loadConfig())(stdout.trim().split('\n').pop()!);
      expect(principal.sub).toBe('0b7f4c52-2f4e-4b8e-9d3c-2a1f6a0c9e11');
    });

    it('refuses an unknown role', async () => {
      await expect(cli('token', ['--role', 'root'])).rejects.toMatchObject({ code: 1 });
    });
  });

  describe('npm run seed and npm run migrate', () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await createTestDatabase({ empty: true });
    });

    afterAll(() => db.drop());

    const hasCustomersTable = async () => (await db.pool.query(`SELECT to_regclass('customers') IS NOT NULL AS present`)).rows[0].present;

    it('migrate creates the schema and each migrate --down reverts the newest migration', async () => {
      const has = async (table: string) => (await db.pool.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [table])).rows[0].present;
      expect(await hasCustomersTable()).toBe(false);
      await cli('migrate', [], { DATABASE_URL: db.url });
      expect([await hasCustomersTable(), await has('audit_access'), await has('consents'), await has('relationship_manager_changes')]).toEqual([true, true, true, true]);
      await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect([await hasCustomersTable(), await has('audit_access'), await has('consents'), await has('relationship_manager_changes')]).toEqual([true, true, true, false]);
      await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect([await hasCustomersTable(), await has('audit_access'), await has('consents')]).toEqual([true, true, false]);
      await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect([await hasCustomersTable(), await has('audit_access')]).toEqual([true, false]);
      await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect(await hasCustomersTable()).toBe(false);
    });

    it('seed migrates and fills the database deterministically, and refuses to seed twice without --reset', async () => {
      const { stdout } = await cli('seed', ['--customers', '30', '--seed', '5'], { DATABASE_URL: db.url });
      expect(JSON.parse(stdout.trim().split('\n').pop()!)).toMatchObject({ customers: 30 });
      const first = (await db.pool.query(`SELECT id_number, credit_code FROM customers ORDER BY archive_number`)).rows;

      await expect(cli('seed', ['--customers', '30', '--seed', '5'], { DATABASE_URL: db.url })).rejects.toMatchObject({ code: 1 });
      await cli('seed', ['--customers', '30', '--seed', '5', '--reset'], { DATABASE_URL: db.url });
      const again = (await db.pool.query(`SELECT id_number, credit_code FROM customers ORDER BY archive_number`)).rows;
      expect(again).toEqual(first);
    });
  });
});
