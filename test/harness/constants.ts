/** Shared facts of the test run. */
export const TEMPLATE_DATABASE = 'cr_test_template';

/** The seeded template: small enough to copy fast, big enough for pages of 100. */
export const TEST_SEED = { customers: 400, seed: 7, now: new Date('2026-11-01T00:00:00Z') };

export function withDatabaseName(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
