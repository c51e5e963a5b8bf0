/** A private copy of the seeded template database for one test file. */
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
// Registers the app's pg type parsers (DATE as "YYYY-MM-DD") for the test pools too.
import '../../src/db/pool';
import { templateDatabase, testRunId, withDatabaseName } from './constants';

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

function serverUrl(): string {
  const url = process.env.TEST_SERVER_URL;
  if (!url) throw new Error('TEST_SERVER_URL is not set: run the tests through jest (globalSetup)');
  return url;
}

async function admin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: withDatabaseName(serverUrl(), 'postgres') });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Copies the template (`empty: true` gives a database with no schema at all). */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `cr_test_${testRunId()}_${randomBytes(6).toString('hex')}`;
  await admin((client) => client.query(options.empty ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${templateDatabase()}`));
  const url = withDatabaseName(serverUrl(), name);
  const pool = new Pool({ connectionString: url, max: 5 });
  // A connection ended by the server (a test stopping the database, a drop) is not a crash.
  pool.on('error', () => undefined);
  return {
    url,
    name,
    pool,
    async drop() {
      await pool.end();
      await admin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
