/**
 * The database going away and coming back: requests fail fast with SERVICE_UNAVAILABLE (503),
 * /readyz says 503, and service resumes without a restart; at start, an unreachable database
 * is retried with backoff.
 */
import { isDatabaseUnavailable, whenDatabaseAnswers } from '../../src/db/availability';
import { Client } from 'pg';
import { withDatabaseName } from '../harness/constants';
import { startTestServer, type TestServer } from '../harness/server';

describe('Resilience', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });

  afterAll(() => server.stop());

  const PAGE = '{ customers(first: 3) { edges { node { id tier } } } }';

  it('answers SERVICE_UNAVAILABLE (503) while the database refuses connections, and recovers without a restart', async () => {
    expect((await server.gql<any>(PAGE, { role: 'manager' })).body.errors).toBeUndefined();
    const name = server.db.name;
    // From another database: a database cannot refuse connections to the session changing it.
    const admin = new Client({ connectionString: withDatabaseName(process.env.TEST_SERVER_URL!, 'postgres') });
    await admin.connect();
    try {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [name]);
      const down = await server.gql<any>(PAGE, { role: 'manager' });
      expect(down.status).toBe(503);
      expect(down.body.errors![0].extensions!.code).toBe('SERVICE_UNAVAILABLE');
      expect(JSON.stringify(down.body)).not.toMatch(/accepting connections|terminat|pg_|ECONN/);
      expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      await admin.query(`ALTER DATABASE ${name} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    const back = await server.gql<any>(PAGE, { role: 'manager' });
    expect(back.status).toBe(200);
    expect(back.body.data.customers.edges).toHaveLength(3);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('bounds the wait for a pooled connection: an exhausted pool answers SERVICE_UNAVAILABLE, then serves again', async () => {
    const busy = await startTestServer({ poolWaitMs: 300, dbPoolMax: 1 }, undefined, server);
    const held = [];
    try {
      // The harness pool has 5 connections: hold them all.
      for (let i = 0; i < 5; i += 1) held.push(await busy.pool.connect());
      const waited = await busy.gql<any>(PAGE, { role: 'manager' });
      expect(waited.status).toBe(503);
      expect(waited.body.errors![0].extensions!.code).toBe('SERVICE_UNAVAILABLE');
    } finally {
      for (const client of held) client.release();
    }
    expect((await busy.gql<any>(PAGE, { role: 'manager' })).body.errors).toBeUndefined();
    await busy.stop();
  });

  it('recognises unavailability (connection errors, shutdowns, exhausted pools) and nothing else', () => {
    expect(isDatabaseUnavailable({ code: 'ECONNREFUSED' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '57P01' })).toBe(true);
    expect(isDatabaseUnavailable({ code: '08006' })).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(isDatabaseUnavailable({ code: '23505' })).toBe(false);
    expect(isDatabaseUnavailable(new Error('column does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });

  it('retries an unreachable database at start with growing delays, and gives up on other errors at once', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await whenDatabaseAnswers(
      async () => {
        calls += 1;
        if (calls < 3) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        return 'migrated';
      },
      (_attempt, delayMs) => waits.push(delayMs),
    );
    expect(result).toBe('migrated');
    expect(waits).toEqual([500, 1000]);
    await expect(whenDatabaseAnswers(async () => Promise.reject(new Error('syntax error')), () => waits.push(-1))).rejects.toThrow('syntax error');
    expect(waits).toEqual([500, 1000]);
  }, 10_000);
});
