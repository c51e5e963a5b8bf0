/** Shared facts of the test run. */

/**
 * Databases of this run are named `cr_test_<run>_…`, the run id starting with its start time
 * (base 36): runs sharing one server (DATABASE_URL) leave each other's databases alone.
 */
export function testRunId(): string {
  const id = process.env.TEST_RUN_ID;
  if (!id) throw new Error('TEST_RUN_ID is not set: run the tests through jest (globalSetup)');
  return id;
}

export function templateDatabase(): string {
  return `cr_test_${testRunId()}_template`;
}

/** The seeded template: small enough to copy fast, big enough for pages of 100. */
export const TEST_SEED = { customers: 400, seed: 7, now: new Date('2026-11-01T00:00:00Z') };

export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** Staff roles with a `test-<role>` member in every test database (no relationships). */
export const TEST_STAFF_ROLES = ['admin', 'manager', 'sales', 'service', 'analyst', 'auditor'] as const;

/** The subject of the relationship-free test member of a role. */
export function testPrincipal(role: string): string {
  return `test-${role}`;
}
