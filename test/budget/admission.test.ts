/**
 * A request's budget admission — the minute's count and the day's reservation — is one round
 * trip to the counters, with the same guarantees as the two steps it replaces: nothing reserved
 * over the rate, all or nothing at the day's limit, concurrent requests never overrunning it.
 */
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { windows } from '../../src/budget/budget-plugin';
import { PostgresBudgetStore, RedisBudgetStore, type AdmissionRequest, type BudgetStore } from '../../src/budget/store';
import { createTestDatabase, type TestDatabase } from '../harness/database';

/** A pg pool that counts the statements sent through it. */
class CountingPool extends Pool {
  statements = 0;
  override query(...args: any[]): any {
    this.statements++;
    return (super.query as (...a: any[]) => any)(...args);
  }
}

describe('Budget admission: one round trip per request', () => {
  let db: TestDatabase;
  let pool: CountingPool;

  beforeAll(async () => {
    db = await createTestDatabase();
    pool = new CountingPool({ connectionString: db.url, max: 10 });
    pool.on('error', () => undefined); // the database is dropped with FORCE at the end
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const stores: [string, () => Promise<BudgetStore>][] = [
    ['PostgreSQL', async () => new PostgresBudgetStore(pool)],
    ...(process.env.REDIS_URL ? ([['Redis', () => RedisBudgetStore.connect(process.env.REDIS_URL!, `admission-${randomBytes(4).toString('hex')}`)]] as [string, () => Promise<BudgetStore>][]) : []),
  ];

  // One instant for the whole file: a request crossing into the next minute would start a new count.
  const at = Date.now();
  const request = (key: string, overrides: Partial<AdmissionRequest> = {}): AdmissionRequest => {
    const { minute, day } = windows(at);
    return { key, minute, day, want: { clear: 3, masked: 10, probes: 1 }, requestsPerMinute: 4, daily: { clear: 5, masked: 100, probes: 2 }, ...overrides };
  };

  it.each(stores)('the %s store counts the request and reserves the day together; over the rate nothing is reserved', async (_name, open) => {
    const store = await open();
    try {
      const key = `staff:admission-${randomBytes(4).toString('hex')}`;
      expect(await store.admit(request(key))).toEqual({ requests: 1, reservation: { granted: true, day: { clear: 3, masked: 10, probes: 1 } } });
      // Over the clear limit (3 + 3 > 5): refused, the day as it stands, nothing added — but the request counted.
      expect(await store.admit(request(key))).toEqual({ requests: 2, reservation: { granted: false, day: { clear: 3, masked: 10, probes: 1 } } });
      // Nothing wanted (no plan, or nothing sensitive): counted, nothing reserved.
      expect(await store.admit(request(key, { want: { clear: 0, masked: 0, probes: 0 } }))).toEqual({ requests: 3, reservation: null });
      expect(await store.admit(request(key, { want: { clear: 2, masked: 0, probes: 0 } }))).toEqual({ requests: 4, reservation: { granted: true, day: { clear: 5, masked: 10, probes: 1 } } });
      // The fifth request of the minute is over the rate: no reservation, the day unchanged.
      expect(await store.admit(request(key, { want: { clear: 0, masked: 1, probes: 0 } }))).toEqual({ requests: 5, reservation: null });
      expect(await store.reserve(key, request(key).day, { clear: 0, masked: 0, probes: 0 }, request(key).daily)).toEqual({ granted: true, day: { clear: 5, masked: 10, probes: 1 } });
      // A day's first request that alone exceeds the limit: refused with an empty day.
      const fresh = `${key}-fresh`;
      expect(await store.admit(request(fresh, { want: { clear: 6, masked: 0, probes: 0 } }))).toEqual({ requests: 1, reservation: { granted: false, day: { clear: 0, masked: 0, probes: 0 } } });
    } finally {
      await store.close();
    }
  });

  it.each(stores)('the %s store: 30 concurrent admissions never overrun the day together', async (_name, open) => {
    const store = await open();
    try {
      const key = `staff:admission-race-${randomBytes(4).toString('hex')}`;
      const racers = await Promise.all(
        Array.from({ length: 30 }, () => store.admit(request(key, { want: { clear: 0, masked: 7, probes: 0 }, requestsPerMinute: 1000 }))),
      );
      expect(racers.map((r) => r.requests).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      expect(racers.filter((r) => r.reservation?.granted)).toHaveLength(14); // 14 × 7 = 98 ≤ 100 < 105
      expect((await store.reserve(key, request(key).day, { clear: 0, masked: 0, probes: 0 }, request(key).daily)).day).toEqual({ clear: 0, masked: 98, probes: 0 });
    } finally {
      await store.close();
    }
  });

  it('in PostgreSQL an admission is one statement, refused or granted', async () => {
    const store = new PostgresBudgetStore(pool);
    const key = `staff:admission-count-${randomBytes(4).toString('hex')}`;
    for (const want of [{ clear: 1, masked: 1, probes: 0 }, { clear: 100, masked: 0, probes: 0 }, null]) {
      const before = pool.statements;
      await store.admit(request(key, { want }));
      expect(pool.statements - before).toBe(1);
    }
  });
});
