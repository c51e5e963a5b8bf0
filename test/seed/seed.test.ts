import { isValidBankCard } from '../../src/domain/bank-card';
import { isValidMobile } from '../../src/domain/contact-details';
import { isValidCreditCode } from '../../src/domain/credit-code';
import { isValidNationalId, nationalIdBirthDate, nationalIdGender } from '../../src/domain/national-id';
import { generateDataset } from '../../src/seed/generate';
import { DatabaseNotEmptyError, seedDatabase } from '../../src/seed/seed';
import { loadKeyring } from '../../src/crypto/keyring';
import { loadConfig } from '../../src/config';
import { clearRowsOf, type ClearRows } from '../harness/clear-rows';
import { TEST_SEED } from '../harness/constants';
import { createTestDatabase, type TestDatabase } from '../harness/database';

// The test run's keys (global-setup: KEK_FILE, BLIND_INDEX_KEY_FILE), which the template was sealed with.
const testKeyring = () => loadKeyring(loadConfig().keys);

describe('Seed data', () => {
  let db: TestDatabase;
  let clearRows: ClearRows;

  beforeAll(async () => {
    db = await createTestDatabase();
    clearRows = clearRowsOf(db.pool, testKeyring());
  });

  afterAll(() => db.drop());

  it('is deterministic for a seed and differs between seeds', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const a = generateDataset({ customers: 50, seed: 1, now });
    const b = generateDataset({ customers: 50, seed: 1, now });
    const c = generateDataset({ customers: 50, seed: 2, now });
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(c.customers[0].id).not.toBe(a.customers[0].id);
  });

  it('has valid identifiers on every customer, consistent with birth date and gender', async () => {
    const rows = await clearRows('customers');
    expect(rows).toHaveLength(TEST_SEED.customers);
    for (const row of rows) {
      expect(isValidMobile(row.phone)).toBe(true);
      if (row.kind === 'INDIVIDUAL') {
        expect(isValidNationalId(row.id_number)).toBe(true);
        expect(nationalIdBirthDate(row.id_number)).toBe(row.birth_date);
        expect(nationalIdGender(row.id_number)).toBe(row.gender);
        expect(isValidBankCard(row.bank_card_number)).toBe(true);
        expect(row.bank_card_number).toMatch(/^62/);
      } else {
        expect(isValidCreditCode(row.credit_code)).toBe(true);
      }
    }
  });

  it('gives every corporate customer 1–5 contacts with valid phones', async () => {
    const { rows } = await db.pool.query(`SELECT id FROM customers WHERE kind = 'CORPORATE'`);
    const contacts = await clearRows('contacts', `t.customer_id IN (SELECT id FROM customers WHERE kind = 'CORPORATE')`);
    expect(rows.length).toBeGreaterThan(20);
    for (const row of rows) {
      const own = contacts.filter((c) => c.customer_id === row.id);
      expect(own.length).toBeGreaterThanOrEqual(1);
      expect(own.length).toBeLessThanOrEqual(5);
      for (const contact of own) expect(contact.phone).toMatch(/^1[3-9][0-9]{9}$/);
    }
  });

  it('skews transactions: some customers have hundreds, most a few dozen at most', async () => {
    const { rows } = await db.pool.query(
      `SELECT max(n)::int AS max, percentile_disc(0.5) WITHIN GROUP (ORDER BY n)::int AS median
       FROM (SELECT count(t.id) AS n FROM customers c LEFT JOIN transactions t ON t.customer_id = c.id GROUP BY c.id) x`,
    );
    expect(rows[0].max).toBeGreaterThanOrEqual(200);
    expect(rows[0].median).toBeLessThanOrEqual(30);
  });

  it('files complaints on about 5% of customers, in every status, some overdue, some carrying identifiers', async () => {
    const { rows } = await db.pool.query(
      `SELECT count(DISTINCT customer_id)::int AS customers, array_agg(DISTINCT status) AS statuses,
              count(*) FILTER (WHERE (closed_at IS NULL AND due_at < $1) OR closed_at > due_at)::int AS overdue
       FROM complaints`,
      [TEST_SEED.now],
    );
    // Descriptions are sealed: the identifiers in them are looked for in the opened text.
    const complaints = await clearRows('complaints');
    expect(complaints.every((c) => typeof c.description === 'string' && c.description.length > 0)).toBe(true);
    const withIdentifiers = complaints.filter((c) => /1[3-9][0-9]{9}|[0-9]{17}[0-9X]/.test(c.description)).length;
    const share = rows[0].customers / TEST_SEED.customers;
    expect(share).toBeGreaterThan(0.02);
    expect(share).toBeLessThan(0.1);
    expect([...rows[0].statuses].sort()).toEqual(['ACKNOWLEDGED', 'ASSIGNED', 'CLOSED', 'INVESTIGATING', 'RECEIVED', 'RESOLVED']);
    expect(rows[0].overdue).toBeGreaterThan(0);
    expect(withIdentifiers).toBeGreaterThan(0);
  });

  it('refuses to seed over existing data unless asked to reset', async () => {
    await expect(seedDatabase(db.pool, { keyring: testKeyring(), customers: 10, seed: 1 })).rejects.toBeInstanceOf(DatabaseNotEmptyError);
    const report = await seedDatabase(db.pool, { keyring: testKeyring(), customers: 10, seed: 1, reset: true });
    expect(report.customers).toBe(10);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM customers`);
    expect(rows[0].n).toBe(10);
  });
});
