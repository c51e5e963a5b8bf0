/**
 * Statistics an analyst can trust (issue 17 item 4): complaint and transaction aggregates from the
 * seeded data, each published cell counting at least k distinct customers — a narrow window or a
 * fine group-by is otherwise a way around the masks — and only the dimensions the policy grants
 * the role (each derived from a field the role may read at least generalised).
 */
import { ruleFor } from '../../permissions/policy';
import { DIMENSION_SOURCES, STATISTICS_GRANTS } from '../../permissions/statistics';
import { suppress } from '../../schema/statistics/statistics.service';
import type { Role } from '../../src/auth/principal';
import { startTestServer, type GqlResult, type TestServer } from '../harness/server';

const COMPLAINTS = `query C($from: DateTimeISO!, $to: DateTimeISO!, $groupBy: [ComplaintDimension!]!) { complaintStatistics(from: $from, to: $to, groupBy: $groupBy) {
  k groupBy suppressedCells cells { month category channel status branch complaints customers closed medianHoursToClose p90HoursToClose slaBreaches delaysExplained satisfactionMean satisfaction } } }`;
const TRANSACTIONS = `query T($from: DateTimeISO!, $to: DateTimeISO!, $groupBy: [TransactionDimension!]!) { transactionStatistics(from: $from, to: $to, groupBy: $groupBy) {
  k suppressedCells cells { month channel direction currency tier province transactions customers totalAmount averageAmount } } }`;
const FROM = '2026-01-01T00:00:00Z';
const TO = '2027-01-01T00:00:00Z';

describe('Statistics', () => {
  let server: TestServer;
  const sql = async <T = Record<string, any>>(text: string, values: unknown[] = []) => (await server.db.pool.query(text, values)).rows as T[];
  const ok = (result: GqlResult<any>): any => {
    expect(result.body.errors).toBeUndefined();
    return Object.values(result.body.data as object)[0];
  };
  const complaints = (role: Role, groupBy: string[], from = FROM, to = TO) => server.gql(COMPLAINTS, { role, variables: { from, to, groupBy } });

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => server?.stop());

  it('counts complaints by category as the database does, every published cell over k customers', async () => {
    const stats = ok(await complaints('analyst', ['CATEGORY']));
    expect(stats.k).toBe(5);
    const truth = await sql<{ category: string; n: number; customers: number }>(
      `SELECT category, count(*)::int AS n, count(DISTINCT customer_id)::int AS customers FROM complaints WHERE received_at >= $1 AND received_at < $2 GROUP BY 1`, [FROM, TO],
    );
    expect(stats.cells.length + stats.suppressedCells).toBe(truth.length);
    for (const cell of stats.cells) {
      expect(cell.customers).toBeGreaterThanOrEqual(5);
      expect(cell).toMatchObject({ complaints: truth.find((t) => t.category === cell.category)!.n, customers: truth.find((t) => t.category === cell.category)!.customers });
      expect(cell.satisfaction).toHaveLength(5);
    }
  });

  it('computes time to close (median, 90th percentile) and SLA breaches over all complaints as the database does', async () => {
    const [cell] = ok(await complaints('manager', [])).cells;
    const [truth] = await sql(
      `SELECT count(*)::int AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - received_at) / 3600) FILTER (WHERE closed_at IS NOT NULL) AS median,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - received_at) / 3600) FILTER (WHERE closed_at IS NOT NULL) AS p90,
              count(*) FILTER (WHERE closed_at > due_at OR (closed_at IS NULL AND due_at < now()))::int AS breaches
         FROM complaints WHERE received_at >= $1 AND received_at < $2`, [FROM, TO],
    );
    expect(cell.complaints).toBe(truth.n);
    expect(cell.medianHoursToClose).toBeCloseTo(truth.median, 1);
    expect(cell.p90HoursToClose).toBeCloseTo(truth.p90, 1);
    expect(cell.slaBreaches).toBe(truth.breaches);
    expect(cell.slaBreaches).toBeGreaterThan(0);
  });

  it('publishes nothing about one customer: a window around a single complaint, or a fine group-by, is suppressed', async () => {
    const [one] = await sql(`SELECT received_at FROM complaints ORDER BY received_at LIMIT 1`);
    const narrow = ok(await complaints('analyst', [], one.received_at.toISOString(), new Date(one.received_at.getTime() + 1000).toISOString()));
    expect(narrow.cells).toEqual([]);
    expect(narrow.suppressedCells).toBe(1);
    const fine = ok(await complaints('analyst', ['MONTH', 'CATEGORY', 'CHANNEL', 'STATUS', 'BRANCH']));
    expect(fine.suppressedCells).toBeGreaterThan(0);
    for (const cell of fine.cells) expect(cell.customers).toBeGreaterThanOrEqual(5);
  });

  it('leaves out a second cell when only one would be suppressed, so it cannot be recovered by subtraction', () => {
    const cells = [{ customers: 2, id: 'a' }, { customers: 9, id: 'b' }, { customers: 7, id: 'c' }];
    expect(suppress(cells, 5)).toEqual({ cells: [{ customers: 9, id: 'b' }], suppressed: 2 });
    expect(suppress([{ customers: 6 }, { customers: 8 }], 5)).toEqual({ cells: [{ customers: 6 }, { customers: 8 }], suppressed: 0 });
  });

  it('refuses a dimension the policy does not grant the role, and the statistics to roles without a grant', async () => {
    const service = await complaints('service', ['BRANCH']);
    expect(service.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'DIMENSION_NOT_GRANTED', fields: ['groupBy.BRANCH'] });
    const manager = await server.gql(TRANSACTIONS, { role: 'manager', variables: { from: FROM, to: TO, groupBy: ['PROVINCE'] } });
    expect(manager.body.errors![0].extensions).toMatchObject({ code: 'FORBIDDEN', reason: 'DIMENSION_NOT_GRANTED' });
    for (const role of ['sales', 'auditor', 'admin'] as const) {
      expect((await complaints(role, ['CATEGORY'])).body.errors![0].extensions?.code).toBe('FORBIDDEN');
    }
  });

  it('grants a dimension only where the role reads its source field at least generalised (the policy checks itself)', () => {
    for (const [role, grant] of Object.entries(STATISTICS_GRANTS)) {
      for (const kind of ['complaint', 'transaction'] as const) {
        for (const dimension of grant![kind]) {
          const [type, field] = (DIMENSION_SOURCES[kind] as Record<string, string>)[dimension].split('.');
          expect({ role, dimension, rule: ruleFor(role as Role, type, field) }).not.toEqual({ role, dimension, rule: { kind: 'REMOVE' } });
        }
      }
    }
  });

  it('sums transaction amounts exactly per currency, by province for analysts, and never adds up different currencies', async () => {
    const byCurrency = ok(await server.gql(TRANSACTIONS, { role: 'analyst', variables: { from: '2000-01-01T00:00:00Z', to: '2001-12-31T00:00:00Z', groupBy: [] } }));
    expect(byCurrency.cells.every((c: any) => c.totalAmount === null)).toBe(true);
    const range = { from: '2025-06-01T00:00:00Z', to: '2027-01-01T00:00:00Z' };
    const stats = ok(await server.gql(TRANSACTIONS, { role: 'analyst', variables: { ...range, groupBy: ['CURRENCY'] } }));
    const [truth] = await sql(`SELECT sum(amount)::text AS total FROM transactions WHERE currency = 'CNY' AND occurred_at >= $1 AND occurred_at < $2`, [range.from, range.to]);
    expect(stats.cells.find((c: any) => c.currency === 'CNY').totalAmount).toBe(truth.total);
    const provinces = ok(await server.gql(TRANSACTIONS, { role: 'analyst', variables: { ...range, groupBy: ['PROVINCE'] } }));
    expect(provinces.cells.length).toBeGreaterThan(1);
    for (const cell of provinces.cells) {
      expect(cell.province).toMatch(/(省|自治区|市|unknown)$/);
      expect(cell.customers).toBeGreaterThanOrEqual(5);
    }
  });
});
