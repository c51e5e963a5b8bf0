import { createPool } from '../../src/db/pool';
import { createTestDatabase, type TestDatabase } from '../harness/database';

describe('Connection pools', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(() => db.drop());

  const setting = async (options: Parameters<typeof createPool>[2]) => {
    const pool = createPool(db.url, 1, options);
    try {
      const { rows } = await pool.query<{ synchronous_commit: string; statement_timeout: string }>(
        `SELECT current_setting('synchronous_commit') AS synchronous_commit, current_setting('statement_timeout') AS statement_timeout`,
      );
      return rows[0];
    } finally {
      await pool.end();
    }
  };

  it("request connections keep the server's commit durability (the access register relies on it)", async () => {
    // The test cluster itself may run with synchronous_commit off (speed); the request pool must not change it.
    const { rows } = await db.pool.query<{ s: string }>(`SELECT current_setting('synchronous_commit') AS s`);
    expect(await setting({ statementTimeoutMs: 1234 })).toEqual({ synchronous_commit: rows[0].s, statement_timeout: '1234ms' });
  });

  it('the budget counters\' connections commit asynchronously, with the same statement timeout', async () => {
    expect(await setting({ statementTimeoutMs: 1234, asynchronousCommit: true })).toEqual({ synchronous_commit: 'off', statement_timeout: '1234ms' });
  });
});
