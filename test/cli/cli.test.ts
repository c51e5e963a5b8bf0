import { execFile } from 'node:child_process';
import { approvedAgreement } from '../harness/governance';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTokenVerifier, principalDirectory } from '../../src/auth/verifier';
import { MIGRATIONS } from '../../migrations';
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
        const elsewhere = { partnerToken: async () => null, staffMember: async () => null };
        await expect(createTokenVerifier(loadConfig(), elsewhere)(token)).rejects.toThrow(/not issued by this server/);
        const principal = await createTokenVerifier(loadConfig(), principalDirectory(db.pool))(token);
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
        const registered = JSON.parse((await cli('partner', ['register', '--id', 'beta', '--name', 'Beta Leasing', '--purposes', 'partner_service,credit_assessment', '--as', 'admin01'], env)).stdout);
        expect(registered).toMatchObject({ id: 'beta', purposes: ['partner_service', 'credit_assessment'], allowListOnly: false });
        await approvedAgreement(db.pool, 'beta'); // bound by an approved agreement (issue 18; its CLI steps: test/governance/cli.test.ts)
        const issued = JSON.parse((await cli('partner', ['issue', '--partner', 'beta', '--scopes', 'customers:read', '--days', '7', '--as', 'admin01'], env)).stdout);
        const verify = createTokenVerifier(loadConfig(), principalDirectory(db.pool));
        expect(await verify(issued.token)).toMatchObject({ role: 'partner', partnerId: 'beta', scopes: ['customers:read'] });
        const listed = (await cli('partner', ['list', '--partner', 'beta', '--as', 'admin01'], env)).stdout;
        expect(listed).toContain(issued.details.id);
        expect(listed).not.toContain(issued.token);
        await cli('partner', ['revoke', '--token', issued.details.id, '--as', 'admin01'], env);
        await expect(verify(issued.token)).rejects.toThrow(/revoked/);
        await expect(cli('partner', ['issue', '--partner', 'beta', '--scopes', 'customers:all', '--as', 'admin01'], env)).rejects.toMatchObject({ code: 1 });
        const history = await db.pool.query(`SELECT entity, action, principal_sub FROM audit_changes ORDER BY seq`);
        expect(history.rows.map((r) => `${r.entity}:${r.action}`)).toEqual(['Partner:CREATE', 'PartnerToken:CREATE', 'PartnerToken:UPDATE']);
        // The operator is a person of the directory: the administrator --as names (so "whoever onboarded
        // the partner records none of its consents" compares the same ids as the API does).
        const [admin] = (await db.pool.query(`SELECT id FROM staff WHERE username = 'admin01'`)).rows;
        expect(history.rows.every((r) => r.principal_sub === admin.id)).toBe(true);
        expect((await db.pool.query(`SELECT created_by FROM partners WHERE id = 'beta'`)).rows[0].created_by).toBe(admin.id);
        // No one in particular, or someone who is no administrator: refused.
        await expect(cli('partner', ['list'], env)).rejects.toMatchObject({ code: 1 });
        await expect(cli('partner', ['list', '--as', 'sales01'], env)).rejects.toMatchObject({ code: 1 });
      } finally {
        await db.drop();
      }
    });

    it('uses --sub as the subject, and the server serves it only for a member of the directory', async () => {
      const db = await createTestDatabase();
      try {
        const [rep] = (await db.pool.query(`SELECT id FROM staff WHERE role = 'sales' AND active ORDER BY username LIMIT 1`)).rows;
        const verify = createTokenVerifier(loadConfig(), principalDirectory(db.pool));
        const { stdout } = await cli('token', ['--role', 'sales', '--sub', rep.id]);
        expect(await verify(stdout.trim().split('\n').pop()!)).toMatchObject({ sub: rep.id, staffId: rep.id, role: 'sales' });
        const stranger = await cli('token', ['--role', 'sales', '--sub', '0b7f4c52-2f4e-4b8e-9d3c-2a1f6a0c9e11']);
        await expect(verify(stranger.stdout.trim().split('\n').pop()!)).rejects.toMatchObject({ rule: 'UNKNOWN_STAFF_MEMBER' });
      } finally {
        await db.drop();
      }
    });

    it('without --sub picks an active demo member of the role, or the one --staff names; every token has a jti of its own', async () => {
      const db = await createTestDatabase();
      try {
        const env = { DATABASE_URL: db.url };
        const verify = createTokenVerifier(loadConfig(), principalDirectory(db.pool));
        const [first] = (await db.pool.query(`SELECT id FROM staff WHERE role = 'service' AND active ORDER BY username LIMIT 1`)).rows;
        const a = await verify((await cli('token', ['--role', 'service'], env)).stdout.trim().split('\n').pop()!);
        const b = await verify((await cli('token', ['--role', 'service'], env)).stdout.trim().split('\n').pop()!);
        expect([a.sub, b.sub]).toEqual([first.id, first.id]);
        expect(a.tokenId).not.toBe(b.tokenId);
        const [named] = (await db.pool.query(`SELECT id FROM staff WHERE username = 'sales03'`)).rows;
        expect((await verify((await cli('token', ['--role', 'sales', '--staff', 'sales03'], env)).stdout.trim().split('\n').pop()!)).sub).toBe(named.id);
        // The directory decides the role: a member of another role is refused by the command itself.
        await expect(cli('token', ['--role', 'manager', '--staff', 'sales03'], env)).rejects.toMatchObject({ code: 1 });
      } finally {
        await db.drop();
      }
    });

    it('npm run staff deactivates, reactivates and revokes: effective on the next request, in the change history', async () => {
      const db = await createTestDatabase();
      try {
        const env = { DATABASE_URL: db.url };
        const verify = createTokenVerifier(loadConfig(), principalDirectory(db.pool));
        const mint = async () => (await cli('token', ['--role', 'sales', '--staff', 'sales05'], env)).stdout.trim().split('\n').pop()!;
        const before = await mint();
        await verify(before);
        const listed = JSON.parse((await cli('staff', ['list', '--role', 'sales', '--active', '--as', 'admin01'], env)).stdout);
        expect(listed.map((m: { username: string }) => m.username)).toContain('sales05');

        await cli('staff', ['deactivate', '--staff', 'sales05', '--reason', 'left the company', '--as', 'admin01'], env);
        await expect(verify(before)).rejects.toMatchObject({ rule: 'STAFF_INACTIVE', status: 403 });
        await expect(cli('token', ['--role', 'sales', '--staff', 'sales05'], env)).rejects.toMatchObject({ code: 1 });
        await expect(cli('staff', ['deactivate', '--staff', 'sales05', '--as', 'admin01'], env)).rejects.toMatchObject({ code: 1 }); // a reason is required

        await cli('staff', ['activate', '--staff', 'sales05', '--reason', 'rehired', '--as', 'admin01'], env);
        // Tokens issued before the deactivation stay refused; a new one is served.
        await expect(verify(before)).rejects.toMatchObject({ rule: 'TOKEN_REVOKED' });
        // (Each command takes over a second: this token's iat is after the deactivation's instant.)
        const after = await mint();
        await verify(after);
        await cli('staff', ['revoke-tokens', '--staff', 'sales05', '--reason', 'laptop stolen', '--as', 'admin01'], env);
        await expect(verify(after)).rejects.toMatchObject({ rule: 'TOKEN_REVOKED', status: 401 });

        const history = await db.pool.query(`SELECT entity, action, principal_sub, changes FROM audit_changes WHERE entity = 'StaffMember' ORDER BY seq`);
        expect(history.rows).toHaveLength(3);
        const [admin] = (await db.pool.query(`SELECT id FROM staff WHERE username = 'admin01'`)).rows;
        expect(history.rows.every((r) => r.principal_sub === admin.id)).toBe(true);
        const reasons = history.rows.map((r) => (r.changes as { field: string; new: string }[]).find((c) => c.field === 'reason')?.new);
        expect(reasons).toEqual(['left the company', 'rehired', 'laptop stolen']);
      } finally {
        await db.drop();
      }
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
      expect([await hasCustomersTable(), await has('audit_access'), await has('consents')]).toEqual([true, true, true]);
      // The migrations after the first three, newest first; ConsentIntegrity's down() drops evidence_kind.
      const hasEvidenceKind = async () => (await db.pool.query(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'consents' AND column_name = 'evidence_kind'`)).rows[0].n === 1;
      expect(await hasEvidenceKind()).toBe(true);
      for (let i = 3; i < MIGRATIONS.length; i++) await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect([await has('consents'), await hasEvidenceKind()]).toEqual([true, false]);
      await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect([await hasCustomersTable(), await has('audit_access'), await has('consents')]).toEqual([true, true, false]);
      await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect([await hasCustomersTable(), await has('audit_access')]).toEqual([true, false]);
      await cli('migrate', ['--down'], { DATABASE_URL: db.url });
      expect(await hasCustomersTable()).toBe(false);
      // One process per migration (17 of them by issues 17–18): minutes on a loaded machine.
    }, 240_000);

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
