/**
 * `npm run erasure`, `npm run staff -- designate` and `npm run retention` as an operator runs them:
 * each command acts as the directory member `--as` names, through the same policy checks, change
 * history and access register as the API.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../harness/database';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..', '..');

describe('npm run erasure / retention', () => {
  let db: TestDatabase;
  let env: Record<string, string>;

  const cli = async (script: string, args: string[]) => {
    const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', `src/cli/${script}.ts`, ...args], {
      cwd: ROOT,
      env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.build.json', ...env },
    });
    return JSON.parse(stdout);
  };
  const sql = async (text: string, values: unknown[] = []) => (await db.pool.query(text, values)).rows;
  const idOf = async (username: string) => (await sql(`SELECT id FROM staff WHERE username = $1`, [username]))[0].id as string;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = { DATABASE_URL: db.url };
  });

  afterAll(() => db.drop());

  it('takes a customer with nothing to retain through request, both approvals and execution, each step by its own person', async () => {
    // Without transactions nothing must be kept: execution erases at once.
    const [{ id: customerId }] = await sql(
      `SELECT c.id FROM customers c WHERE c.status = 'ACTIVE' AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = c.id) ORDER BY c.archive_number LIMIT 1`,
    );
    const designated = await cli('staff', ['designate', '--staff', 'manager02', '--designation', 'INFORMATION_MANAGEMENT_HEAD', '--reason', 'appointed head of information management', '--as', 'admin01']);
    expect(designated.designations).toEqual(['INFORMATION_MANAGEMENT_HEAD']);

    const requested = await cli('erasure', ['request', '--customer', customerId, '--basis', 'CUSTOMER_REQUEST', '--reason', 'written request at the branch, form on file', '--as', 'service01']);
    expect(requested).toMatchObject({ status: 'REQUESTED', requestedBy: await idOf('service01') });
    // Not a manager's step for a sales rep, and no second approval by the first approver.
    await expect(cli('erasure', ['approve', '--request', requested.id, '--as', 'sales01'])).rejects.toMatchObject({ code: 1 });
    expect(await cli('erasure', ['approve', '--request', requested.id, '--as', 'manager01'])).toMatchObject({ status: 'DEPARTMENT_APPROVED' });
    await expect(cli('erasure', ['approve', '--request', requested.id, '--as', 'manager01'])).rejects.toMatchObject({ code: 1 });
    expect(await cli('erasure', ['approve', '--request', requested.id, '--as', 'manager02'])).toMatchObject({ status: 'APPROVED', informationHeadApprovedBy: await idOf('manager02') });
    const executed = await cli('erasure', ['execute', '--request', requested.id, '--as', 'admin01']);
    expect(executed).toMatchObject({ status: 'ERASED', executedBy: await idOf('admin01'), restrictedUntil: null });

    expect(await sql(`SELECT 1 FROM keystore.customer_keys WHERE customer_id = $1`, [customerId])).toEqual([]);
    expect((await sql(`SELECT status, name, id_number_bidx, phone_sealed FROM customers WHERE id = $1`, [customerId]))[0]).toEqual({ status: 'ERASED', name: null, id_number_bidx: null, phone_sealed: null });
    const listed = await cli('erasure', ['list', '--status', 'ERASED', '--as', 'auditor01']);
    expect(listed.map((r: { id: string }) => r.id)).toContain(requested.id);
    const [record] = await cli('erasure', ['records', '--customer', customerId, '--as', 'auditor01']);
    expect(record).toMatchObject({ requestId: requested.id, customerId, executedBy: await idOf('admin01'), departmentApprovedBy: await idOf('manager01') });
    // Deletion records are the auditors'.
    await expect(cli('erasure', ['records', '--as', 'manager01'])).rejects.toMatchObject({ code: 1 });

    const history = await sql(`SELECT action, principal_sub FROM audit_changes WHERE entity = 'ErasureRequest' AND entity_id = $1 ORDER BY seq`, [requested.id]);
    expect(history.map((h) => h.principal_sub)).toEqual([await idOf('service01'), await idOf('manager01'), await idOf('manager02'), await idOf('admin01')]);
    const access = await sql(`SELECT operation_name, operation_type, outcome FROM audit_access WHERE operation_name LIKE 'cli:erasure:%' ORDER BY seq`);
    expect(access).toEqual(expect.arrayContaining([
      { operation_name: 'cli:erasure:request', operation_type: 'cli', outcome: 'OK' },
      { operation_name: 'cli:erasure:execute', operation_type: 'cli', outcome: 'OK' },
      { operation_name: 'cli:erasure:approve', operation_type: 'cli', outcome: 'FORBIDDEN' },
    ]));

    expect(await cli('retention', [])).toEqual({ erased: [] });
    // Nine CLI processes, each compiling the project with ts-node: ~3 s apiece on an idle machine, 10+ under load.
  }, 180_000);
});
