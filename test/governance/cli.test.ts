/**
 * The governance flows from the command line, as an operator runs them: a partner agreement recorded
 * by an administrator and approved by the information-management head before a token is issued;
 * the access review listed and a member revoked; an incident declared, its notification list as CSV.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../harness/database';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

describe('Governance CLIs', () => {
  let db: TestDatabase;
  const cli = (script: string, args: string[]) =>
    run(process.execPath, ['-r', 'ts-node/register/transpile-only', `src/cli/${script}.ts`, ...args], { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.build.json', DATABASE_URL: db.url } });
  const sql = async (text: string, values: unknown[] = []) => (await db.pool.query(text, values)).rows;
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  it('partner: no token before an approved agreement; admin records, the information-management head approves, then issue works', async () => {
    await cli('partner', ['register', '--id', 'gamma', '--name', 'Gamma Credit', '--purposes', 'partner_service', '--as', 'admin01']);
    await expect(cli('partner', ['issue', '--partner', 'gamma', '--scopes', 'customers:read', '--as', 'admin01'])).rejects.toMatchObject({ code: 1 });
    const agreement = JSON.parse((await cli('partner', ['agreement', '--partner', 'gamma', '--ref', 'AGR-GAMMA-1', '--assessed', day(-3), '--review', day(200), '--as', 'admin01'])).stdout);
    expect(agreement).toMatchObject({ status: 'PENDING', partnerId: 'gamma' });
    await cli('staff', ['designate', '--staff', 'manager01', '--designation', 'INFORMATION_MANAGEMENT_HEAD', '--reason', 'head of the information department', '--as', 'admin01']);
    const approved = JSON.parse((await cli('partner', ['approve-agreement', '--id', agreement.id, '--as', 'manager01'])).stdout);
    expect(approved).toMatchObject({ status: 'APPROVED' });
    const issued = JSON.parse((await cli('partner', ['issue', '--partner', 'gamma', '--scopes', 'customers:read', '--as', 'admin01'])).stdout);
    expect(issued.details.partnerId).toBe('gamma');
  }, 120_000);

  it('access-review: lists every member (CSV) and an administrator revokes one through the directory', async () => {
    const csv = (await cli('access-review', ['list', '--csv', '--as', 'auditor01'])).stdout.trim().split('\n');
    expect(csv[0]).toBe('kind,principal,name,role,active,unused,lastUsed,requests,clearValues,grantsUsed,customersManaged,openComplaints,activeTokens,consents,anomalies,lastDecision');
    expect(csv.length - 1).toBe((await sql(`SELECT (SELECT count(*) FROM staff) + (SELECT count(*) FROM partners) AS n`))[0].n * 1);
    const decision = JSON.parse((await cli('access-review', ['decide', '--kind', 'STAFF', '--principal', 'sales02', '--decision', 'REVOKE', '--note', 'moved to another bank', '--as', 'admin01'])).stdout);
    expect(decision).toMatchObject({ decision: 'REVOKE', principalKind: 'STAFF' });
    expect((await sql(`SELECT active FROM staff WHERE username = 'sales02'`))[0].active).toBe(false);
  }, 120_000);

  it('incident: declared about a member, contained at once, notification list as CSV', async () => {
    const declared = JSON.parse((await cli('incident', ['declare', '--kind', 'STAFF', '--principal', 'sales03', '--from', new Date(Date.now() - 86_400_000).toISOString(), '--summary', 'credentials phished', '--as', 'auditor01'])).stdout);
    expect(declared).toMatchObject({ status: 'CONTAINED', principalKind: 'STAFF' });
    expect(declared.timeline.map((e: { kind: string }) => e.kind)).toEqual(['DECLARED', 'CONTAINED', 'AFFECTED_LISTED']);
    expect((await sql(`SELECT active FROM staff WHERE username = 'sales03'`))[0].active).toBe(false);
    const csv = (await cli('incident', ['notifications', '--id', declared.id, '--csv', '--as', 'auditor01'])).stdout;
    expect(csv.split('\n')[0]).toBe('customer_id,archive_number,received_clear,requests,first_at,last_at');
  }, 120_000);
});
