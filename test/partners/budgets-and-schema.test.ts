import { execFile } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { budgetPlugin, windows } from '../../src/budget/budget-plugin';
import { createBudgetStore, PostgresBudgetStore, RedisBudgetStore, type BudgetStore, type DayUsage } from '../../src/budget/store';
import { ROLE_POLICIES } from '../../permissions/policy';
import { SEALED_TABLES } from '../../src/crypto/sealed-fields';
import { startTestServer, type CallOptions, type GqlResult, type TestServer } from '../harness/server';

/**
 * Partner integrations (issue "Partner integrations", items 3, 4 and 5): budgets across requests
 * and processes (requests a minute, sensitive values a day; per token for partners, per
 * principal for staff), the operation allow-list, and the schema a partner's scopes show
 * (introspection and `npm run schema -- --scopes …`).
 *
 * Works with the counters in PostgreSQL and, when REDIS_URL is set, in Redis: budgets are
 * pre-loaded through the same kind of store the servers use (never a hard-coded table) and the
 * cross-process test is driven by requests only. Every section uses its own partner, and every
 * budget its own token or principal, so no key is shared with another test or run.
 */

type Body = GqlResult<any>['body'];
type GqlError = NonNullable<Body['errors']>[number];

const ROOT = path.join(__dirname, '..', '..');
const REDIS = Boolean(process.env.REDIS_URL);
const DAY_S = 86_400;

const PARTNER = ROLE_POLICIES.partner.budgets;
const SALES = ROLE_POLICIES.sales.budgets;

const ME = `{ me { sub role partnerId } }`;
const SET_ALLOW_LIST = `mutation ($partnerId: ID!, $on: Boolean!) { setPartnerAllowList(partnerId: $partnerId, allowListOnly: $on) { id allowListOnly } }`;
const REGISTER_OPERATION = `mutation ($input: RegisterPartnerOperationInput!) { registerPartnerOperation(input: $input) { partnerId hash name } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const uniquePartner = (label: string) => `${label}-${randomBytes(4).toString('hex')}`;
/** The `jti` of a token: a partner's budget key is `token:<jti>`. */
const jtiOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).jti;

/** Starts a burst in a minute with at least `marginMs` left, so the minute window cannot split it. */
async function awayFromMinuteEdge(marginMs = 15_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await sleep(left + 250);
}

/** Same for the day (China midnight): a day's budget must not reset in the middle of a test. */
async function awayFromDayEdge(marginMs = 30_000): Promise<void> {
  const now = Date.now();
  const left = windows(now).nextDay - now;
  if (left < marginMs) await sleep(left + 250);
}

/** The data of a successful response (fails with the errors otherwise). */
function dataOf(result: GqlResult<any>): any {
  expect(result.body.errors).toBeUndefined();
  expect(result.status).toBe(200);
  return result.body.data;
}

function expectRefusal(result: GqlResult<any>, code: string, status: number): GqlError {
  expect(result.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(result.status).toBe(status);
  expect(result.body.data ?? null).toBeNull();
  return result.body.errors![0];
}

/** A 429 with `retry-after` (seconds) as header and extension, within `maxSeconds`. */
function expectRetryAfter(result: GqlResult<any>, error: GqlError, maxSeconds: number): number {
  const header = result.headers.get('retry-after');
  expect(header).toMatch(/^\d+$/);
  const seconds = Number(header);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(maxSeconds);
  expect(error.extensions?.retryAfterSeconds).toBe(seconds);
  return seconds;
}

/** Non-null values of `fields` in a customers connection (what the response carried). */
function valuesIn(connection: { edges: { node: Record<string, unknown> }[] }, fields: string[]): number {
  return connection.edges.reduce((n, e) => n + fields.filter((f) => e.node[f] !== null && e.node[f] !== undefined).length, 0);
}

/** Introspection answer → type name → field names. */
function typesOf(data: any): Map<string, string[]> {
  return new Map((data.__schema.types as { name: string; fields: { name: string }[] | null }[]).map((t) => [t.name, (t.fields ?? []).map((f) => f.name)]));
}

const UNLIMITED = { clear: Number.MAX_SAFE_INTEGER, masked: Number.MAX_SAFE_INTEGER, probes: Number.MAX_SAFE_INTEGER };

describe('Partner budgets, allow-list and scoped schema', () => {
  let server: TestServer;
  /** A store of the same kind as the servers' (PostgreSQL, or Redis with REDIS_URL): pre-loads and reads counters. */
  let counters: BudgetStore;
  let requestCounter = 0;

  async function sql<T = Record<string, any>>(text: string, values: unknown[] = []): Promise<T[]> {
    return (await server.db.pool.query(text, values)).rows as T[];
  }

  function withCounters<T>(work: (store: BudgetStore) => Promise<T>): Promise<T> {
    return work(counters);
  }

  /** Adds to today's usage of a budget key, through the store (PostgreSQL or Redis). */
  function preloadDay(key: string, used: DayUsage): Promise<void> {
    return withCounters(async (store) => {
      expect((await store.reserve(key, windows(Date.now()).day, used, UNLIMITED)).granted).toBe(true);
    });
  }

  /** Today's usage of a key, read through the store (reserving nothing). PostgreSQL: also the row. */
  async function dayUsage(key: string): Promise<DayUsage> {
    const day = windows(Date.now()).day;
    const usage = (await withCounters((store) => store.reserve(key, day, { clear: 0, masked: 0, probes: 0 }, UNLIMITED))).day;
    if (!REDIS) {
      const rows = await sql<{ clear: string; masked: string; probes: string }>(
        `SELECT clear_values AS clear, masked_values AS masked, probes FROM usage_counters WHERE key = $1 AND window_kind = 'day' AND window_start = $2`,
        [key, day],
      );
      // reserve() makes the day's row: one row, holding what the store reported.
      expect(rows.map((r) => ({ clear: Number(r.clear), masked: Number(r.masked), probes: Number(r.probes) }))).toEqual([usage]);
    }
    return usage;
  }

  /** Sends with its own request id, to find the access record of exactly this request. */
  async function call(target: TestServer, query: string, options: CallOptions = {}) {
    const requestId = `budget-${process.pid}-${(requestCounter += 1)}`;
    const response = await target.gql<any>(query, { ...options, headers: { ...options.headers, 'x-request-id': requestId } });
    return { ...response, requestId };
  }

  async function accessRecord(requestId: string) {
    const rows = await sql<{ outcome: string; token_id: string | null; principal_sub: string; clear_values: number; masked_values: number }>(
      `SELECT outcome, token_id, principal_sub, clear_values, masked_values FROM audit_access WHERE request_id = $1`,
      [requestId],
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  /** Active customers with the columns set, consented to `partnerId` for partner_service (superuser insert). */
  const taken = new Set<string>();
  /** The column holding a value as stored: a sealed field's ciphertext (its plaintext column is emptied). */
  const sealedCustomerColumns = new Set(SEALED_TABLES.customers.fields.map((f) => f.column));
  const storedColumn = (column: string) => (sealedCustomerColumns.has(column) ? `${column}_sealed` : column);

  async function consentedCustomers(partnerId: string, n: number, columns: string[]): Promise<string[]> {
    const rows = await sql<{ id: string }>(
      `SELECT id FROM customers WHERE status = 'ACTIVE' AND ${columns.map((c) => `${storedColumn(c)} IS NOT NULL`).join(' AND ')}
         AND NOT (id = ANY($1::uuid[])) ORDER BY archive_number LIMIT $2`,
      [[...taken], n],
    );
    expect(rows).toHaveLength(n);
    for (const r of rows) taken.add(r.id);
    await sql(
      `INSERT INTO consents (customer_id, partner_id, purpose, granted_at, expires_at, evidence_kind, evidence_ref, recorded_by)
       SELECT id, $2, 'partner_service', now() - interval '1 day', now() + interval '365 days', 'SIGNED_FORM', 'CF-20261101-000001', 'test' FROM unnest($1::uuid[]) AS id`,
      [rows.map((r) => r.id), partnerId],
    );
    return rows.map((r) => r.id);
  }

  beforeAll(async () => {
    server = await startTestServer();
    counters = server.budgets;
  });

  afterAll(async () => {
    await server?.stop(); // closes its counters too
  });

  it('runs against the store the environment selects', () => {
    expect(server.config.redisUrl).toBe(process.env.REDIS_URL || undefined);
    expect(counters).toBeInstanceOf(REDIS ? RedisBudgetStore : PostgresBudgetStore);
  });

  describe('1. requests per minute (per partner, shared by its tokens)', () => {
    it(`serves ${PARTNER.requestsPerMinute} requests a minute, refuses the next with 429 RATE_LIMITED and retry-after, to every token of the partner; another partner is unaffected`, async () => {
      expect(PARTNER.requestsPerMinute).toBe(60);
      const partner = uniquePartner('rate');
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
      const other = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });

      await awayFromMinuteEdge();
      for (let i = 0; i < PARTNER.requestsPerMinute; i += 1) {
        const result = await server.gql<any>(ME, { token });
        expect({ i, status: result.status, errors: result.body.errors }).toEqual({ i, status: 200, errors: undefined });
      }
      const refused = await call(server, ME, { token });
      const error = expectRefusal(refused, 'RATE_LIMITED', 429);
      expectRetryAfter(refused, error, 60);
      expect(error.message).toContain(String(PARTNER.requestsPerMinute));

      // Registered as a refusal, with the token.
      expect(await accessRecord(refused.requestId)).toMatchObject({ outcome: 'RATE_LIMITED', token_id: jtiOf(token), clear_values: 0, masked_values: 0 });

      // Still refused in this minute (a data query too), and to the partner's other token: the budget is the partner's.
      expectRefusal(await server.gql<any>(`{ customers(first: 1) { edges { node { id } } } }`, { token }), 'RATE_LIMITED', 429);
      expectRefusal(await server.gql<any>(ME, { token: other }), 'RATE_LIMITED', 429);
      const stranger = await server.token({ role: 'partner', partner: uniquePartner('rate-other'), scopes: ['customers:read'] });
      expect(dataOf(await server.gql<any>(ME, { token: stranger })).me).toMatchObject({ role: 'PARTNER' });

      if (!REDIS) {
        const { minute } = windows(Date.now());
        const [row] = await sql<{ requests: string }>(`SELECT requests FROM usage_counters WHERE key = $1 AND window_kind = 'minute' AND window_start = $2`, [
          `partner:${partner}`,
          minute,
        ]);
        expect(Number(row.requests)).toBe(PARTNER.requestsPerMinute + 3);
      }
    });

    it('counts the minute per partner: pre-loaded to one short of the limit, one request passes and the next is refused', async () => {
      const partner = uniquePartner('rate');
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
      const key = `partner:${partner}`;
      await awayFromMinuteEdge();
      const { minute, day } = windows(Date.now());
      for (let i = 0; i < PARTNER.requestsPerMinute - 1; i += 1) await withCounters((store) => store.countRequest(key, minute));

      dataOf(await server.gql<any>(ME, { token }));
      const refused = await server.gql<any>(ME, { token });
      expectRetryAfter(refused, expectRefusal(refused, 'RATE_LIMITED', 429), 60);
    });
  });

  describe('2. sensitive values a day (per partner, shared by its tokens)', () => {
    const FIELDS = ['name', 'phone'];
    const SMALL = `{ customers(first: 5) { edges { node { name phone } } } }`;
    /** Can return 100 masked values; the partner sees 30 customers, so it returns 60. */
    const BIG = `{ customers(first: 50) { edges { node { name phone } } } }`;

    it('a day is a day of China time: it starts at 16:00 UTC', () => {
      expect(windows(Date.parse('2026-03-01T15:59:59.999Z')).day.toISOString()).toBe('2026-02-28T16:00:00.000Z');
      expect(windows(Date.parse('2026-03-01T16:00:00.000Z')).day.toISOString()).toBe('2026-03-01T16:00:00.000Z');
      expect(new Date(windows(Date.parse('2026-03-01T16:00:00.000Z')).nextDay).toISOString()).toBe('2026-03-02T16:00:00.000Z');
      expect(windows(Date.parse('2026-03-01T10:00:30.000Z')).minute.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    });

    it('stops bulk through small queries: checked against what an operation can return, spent with what it returned', async () => {
      expect(PARTNER.daily).toEqual({ clear: 0, masked: 10_000, probes: 100 });
      const partner = uniquePartner('daily');
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read', 'customers.contact:read'] });
      await consentedCustomers(partner, 30, ['name', 'phone']);
      const key = `partner:${partner}`;
      await awayFromDayEdge();

      const preloaded = 9_855;
      await preloadDay(key, { clear: 0, masked: preloaded, probes: 0 });
      expect(await dayUsage(key)).toEqual({ clear: 0, masked: preloaded, probes: 0 });

      // 145 left: the big query can return 100, so it runs; it returned 60, and 60 are spent.
      const big = dataOf(await server.gql<any>(BIG, { token }));
      expect(big.customers.edges).toHaveLength(30);
      expect(valuesIn(big.customers, FIELDS)).toBe(60);
      let returned = 60;
      expect(await dayUsage(key)).toEqual({ clear: 0, masked: preloaded + returned, probes: 0 });

      // 85 left: small queries of 10 run until fewer than 10 are left.
      let served = 0;
      let refused: Awaited<ReturnType<typeof call>> | undefined;
      for (let i = 0; i < 20 && !refused; i += 1) {
        const result = await call(server, SMALL, { token });
        if (result.body.errors) refused = result;
        else {
          const data = dataOf(result);
          expect(valuesIn(data.customers, FIELDS)).toBe(10);
          returned += 10;
          served += 1;
        }
      }
      expect(served).toBe(8);
      expect(refused).toBeDefined();
      const error = expectRefusal(refused!, 'EXPOSURE_BUDGET_EXHAUSTED', 429);
      const seconds = expectRetryAfter(refused!, error, DAY_S);
      // Until the next day starts (China midnight).
      expect(Math.abs(Date.now() + seconds * 1000 - windows(Date.now()).nextDay)).toBeLessThan(5_000);
      // 5 masked values are left: the message says so (and that this operation could return 10).
      const left = PARTNER.daily.masked - preloaded - returned;
      expect(left).toBe(5);
      expect(error.message).toMatch(/left/i);
      expect(error.message).toMatch(new RegExp(`\\b${left}\\b`));
      expect(error.message).toMatch(/\b10\b/);

      // The counter holds exactly what the responses carried; the refusal spent nothing.
      expect(await dayUsage(key)).toEqual({ clear: 0, masked: preloaded + returned, probes: 0 });
      expect(await accessRecord(refused!.requestId)).toMatchObject({ outcome: 'EXPOSURE_BUDGET_EXHAUSTED', token_id: jtiOf(token), masked_values: 0 });

      // Still refused, big or small; what carries no sensitive value still works.
      expectRefusal(await server.gql<any>(BIG, { token }), 'EXPOSURE_BUDGET_EXHAUSTED', 429);
      expect(dataOf(await server.gql<any>(ME, { token })).me.partnerId).toBe(partner);
      expect(dataOf(await server.gql<any>(`{ customers(first: 5) { edges { node { id } } } }`, { token })).customers.edges).toHaveLength(5);
      expect(await dayUsage(key)).toEqual({ clear: 0, masked: preloaded + returned, probes: 0 });

      // The budget is the partner's: another token of the partner is refused as well.
      const other = await server.token({ role: 'partner', partner, scopes: ['customers:read', 'customers.contact:read'] });
      expectRefusal(await server.gql<any>(SMALL, { token: other }), 'EXPOSURE_BUDGET_EXHAUSTED', 429);
      expect(await dayUsage(key)).toEqual({ clear: 0, masked: preloaded + returned, probes: 0 });
    });

    it('refuses an operation that could return more than is left, even if it would return less', async () => {
      const partner = uniquePartner('daily');
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read', 'customers.contact:read'] });
      await consentedCustomers(partner, 5, ['name', 'phone']);
      const key = `partner:${partner}`;
      await awayFromDayEdge();
      await preloadDay(key, { clear: 0, masked: PARTNER.daily.masked - 50, probes: 0 });
      // Only 10 values would come back (5 customers), but 100 could: refused before anything runs.
      const error = expectRefusal(await server.gql<any>(BIG, { token }), 'EXPOSURE_BUDGET_EXHAUSTED', 429);
      expect(error.message).toMatch(/\b50\b/);
      expect(valuesIn(dataOf(await server.gql<any>(SMALL, { token })).customers, FIELDS)).toBe(10);
      expect(await dayUsage(key)).toEqual({ clear: 0, masked: PARTNER.daily.masked - 40, probes: 0 });
    });

    it('cannot be overrun by operations in flight at the same time: one admitted operation holds what it can return', async () => {
      // Two requests of one token, interleaved as concurrent requests are: both planned, then both answered.
      // Driven through the plugin's hooks (the order of concurrent HTTP requests is up to the scheduler).
      const tokenId = randomUUID();
      const key = 'partner:race';
      await awayFromDayEdge();
      await preloadDay(key, { clear: 0, masked: PARTNER.daily.masked - 10, probes: 0 });
      const plugin = budgetPlugin(counters);
      const request = () => {
        const contextValue = {
          principal: { role: 'partner', sub: 'partner:race', partnerId: 'race', tokenId, scopes: ['customers:read', 'customers.contact:read'] },
          // A plan that can return 10 masked values (customers(first: 5) { name phone }), and returns them.
          privacy: { plan: { exposure: { volume: 10, clearVolume: 0 }, probes: [], fields: new Map() }, values: { clear: 0, masked: 0 } },
        };
        return { contextValue, hooks: plugin.requestDidStart!({ contextValue } as never) as Promise<any> };
      };
      const first = request();
      const second = request();
      const firstHooks = await first.hooks;
      const secondHooks = await second.hooks;
      await firstHooks.didResolveOperation({ contextValue: first.contextValue });
      const secondAdmitted = await secondHooks.didResolveOperation({ contextValue: second.contextValue }).then(
        () => true,
        (error: GqlError) => {
          expect(error.extensions?.code).toBe('EXPOSURE_BUDGET_EXHAUSTED');
          return false;
        },
      );
      first.contextValue.privacy.values.masked = 10;
      await firstHooks.willSendResponse({ contextValue: first.contextValue });
      if (secondAdmitted) {
        second.contextValue.privacy.values.masked = 10;
        await secondHooks.willSendResponse({ contextValue: second.contextValue });
      }
      const usage = await dayUsage(key);
      expect({ secondAdmitted, masked: usage.masked }).toEqual({ secondAdmitted: false, masked: PARTNER.daily.masked });
    });
  });

  describe('3. two API processes share one budget', () => {
    let second: TestServer;

    beforeAll(async () => {
      second = await startTestServer({}, undefined, server);
    });

    afterAll(async () => {
      await second?.stop();
    });

    it('requests a minute: spent on A and B, refused on both', async () => {
      const token = await server.token({ role: 'partner', partner: uniquePartner('multi'), scopes: ['customers:read'] });
      await awayFromMinuteEdge();
      const half = PARTNER.requestsPerMinute / 2;
      for (let i = 0; i < half; i += 1) dataOf(await server.gql<any>(ME, { token }));
      for (let i = 0; i < half; i += 1) dataOf(await second.gql<any>(ME, { token }));
      // Each process served only 30: the 61st is refused by either because they count together.
      const onA = await server.gql<any>(ME, { token });
      expectRetryAfter(onA, expectRefusal(onA, 'RATE_LIMITED', 429), 60);
      const onB = await call(second, ME, { token });
      expectRetryAfter(onB, expectRefusal(onB, 'RATE_LIMITED', 429), 60);
      expect((await accessRecord(onB.requestId)).outcome).toBe('RATE_LIMITED');
    });

    it('sensitive values a day: what A and B returned adds up, and B refuses once A and B spent it', async () => {
      const partner = uniquePartner('multi');
      const fields = ['name', 'phone', 'email', 'idNumber', 'bankCardNumber'];
      const token = await server.token({
        role: 'partner',
        partner,
        scopes: ['customers:read', 'customers.contact:read', 'customers.identity:read-masked'],
      });
      // 99 customers with every field set: an operation that can return 500 returns 495.
      await consentedCustomers(partner, 99, ['name', 'phone', 'email', 'id_number', 'bank_card_number']);
      const PAGE = `{ customers(first: 100) { edges { node { ${fields.join(' ')} } } } }`;
      const canReturn = 100 * fields.length;
      expect(canReturn).toBeLessThanOrEqual(ROLE_POLICIES.partner.exposure.hardLimit);
      await awayFromDayEdge();

      const processes = [server, second];
      let spent = 0;
      let requests = 0;
      while (PARTNER.daily.masked - spent >= canReturn) {
        const data = dataOf(await processes[requests % 2].gql<any>(PAGE, { token }));
        const carried = valuesIn(data.customers, fields);
        expect(carried).toBe(495);
        spent += carried;
        requests += 1;
        expect(requests).toBeLessThan(PARTNER.requestsPerMinute);
      }
      expect(requests).toBe(20);
      const left = PARTNER.daily.masked - spent;
      expect(left).toBe(100);
      // Neither process alone spent more than half of it; both refuse, and say what is left of the shared day.
      for (const target of [processes[requests % 2], processes[(requests + 1) % 2]]) {
        const refused = await target.gql<any>(PAGE, { token });
        const error = expectRefusal(refused, 'EXPOSURE_BUDGET_EXHAUSTED', 429);
        expectRetryAfter(refused, error, DAY_S);
        expect(error.message).toMatch(new RegExp(`\\b${left}\\b`));
      }
      // `me` still served by both.
      for (const target of processes) dataOf(await target.gql<any>(ME, { token }));
    });
  });

  describe('4. staff budgets (per principal)', () => {
    const CUSTOMER = `query ($id: ID!) { customer(id: $id) { name phone } }`;
    let reps: { rep: string; customer: { id: string; name: string; phone: string } }[];

    beforeAll(async () => {
      const chosen = await sql<{ id: string }>(
        `SELECT DISTINCT ON (relationship_manager_id) id FROM customers
         WHERE status = 'ACTIVE' AND relationship_manager_id IS NOT NULL AND phone_sealed IS NOT NULL
         ORDER BY relationship_manager_id, archive_number LIMIT 2`,
      );
      const rows = await server.clearRows<{ relationship_manager_id: string; id: string; name: string; phone: string }>(
        'customers', 't.id = ANY($1::uuid[])', [chosen.map((r) => r.id)], 'ORDER BY t.relationship_manager_id',
      );
      expect(rows).toHaveLength(2);
      reps = rows.map(({ relationship_manager_id: rep, id, name, phone }) => ({ rep, customer: { id, name, phone } }));
      for (const { customer } of reps) expect(customer.phone).toEqual(expect.any(String));
    });

    // The contract of every store this machine has: PostgreSQL always, Redis when REDIS_URL is set.
    const stores: [string, () => Promise<BudgetStore>][] = [
      ['PostgreSQL', async () => new PostgresBudgetStore(server.db.pool)],
      ...(REDIS ? ([['Redis', () => RedisBudgetStore.connect(process.env.REDIS_URL!)]] as [string, () => Promise<BudgetStore>][]) : []),
    ];

    it.each(stores)('the %s store counts requests per minute and reserves values per day all or nothing, per key and window', async (_name, open) => {
      const store = await open();
      try {
        const key = `principal:store-test-${randomBytes(4).toString('hex')}`;
        const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
        const day = windows(Date.now()).day;
        const limit = { clear: 5, masked: 40, probes: 0 };
        expect(await store.countRequest(key, minute)).toBe(1);
        expect(await store.countRequest(key, minute)).toBe(2);
        expect(await store.countRequest(key, new Date(minute.getTime() + 60_000))).toBe(1);
        expect(await store.reserve(key, day, { clear: 3, masked: 40, probes: 0 }, limit)).toEqual({ granted: true, day: { clear: 3, masked: 40, probes: 0 } });
        // Over the masked limit: nothing is added, the usage as it stands comes back.
        expect(await store.reserve(key, day, { clear: 1, masked: 1, probes: 0 }, limit)).toEqual({ granted: false, day: { clear: 3, masked: 40, probes: 0 } });
        expect(await store.reserve(key, day, { clear: 2, masked: 0, probes: 0 }, limit)).toEqual({ granted: true, day: { clear: 5, masked: 40, probes: 0 } });
        await store.release(key, day, { clear: 1, masked: 15, probes: 0 });
        expect(await store.reserve(key, day, { clear: 0, masked: 0, probes: 0 }, limit)).toEqual({ granted: true, day: { clear: 4, masked: 25, probes: 0 } });
        // Another day, another key: nothing spent.
        expect((await store.reserve(key, new Date(day.getTime() + DAY_S * 1000), { clear: 0, masked: 0, probes: 0 }, limit)).day).toEqual({ clear: 0, masked: 0, probes: 0 });
        expect((await store.reserve(`${key}-other`, day, { clear: 0, masked: 0, probes: 0 }, limit)).day).toEqual({ clear: 0, masked: 0, probes: 0 });
        // Concurrent reservations never overrun the limit together.
        const racers = await Promise.all(Array.from({ length: 10 }, () => store.reserve(`${key}-race`, day, { clear: 0, masked: 10, probes: 0 }, limit)));
        expect(racers.filter((r) => r.granted)).toHaveLength(4);
        expect((await store.reserve(`${key}-race`, day, { clear: 0, masked: 0, probes: 0 }, limit)).day).toEqual({ clear: 0, masked: 40, probes: 0 });
      } finally {
        await store.close();
      }
    });

    it(`a sales rep's clear values a day (${SALES.daily.clear}): refused with EXPOSURE_BUDGET_EXHAUSTED, whatever the token; other reps unaffected`, async () => {
      expect(SALES.daily.clear).toBe(20_000);
      const [{ rep, customer }, { rep: otherRep, customer: otherCustomer }] = reps;
      const key = `staff:${rep}`;
      await awayFromDayEdge();
      const before = await dayUsage(key);
      // Three clear values left today; reading a customer's name and phone can return two.
      await preloadDay(key, { clear: SALES.daily.clear - 3 - before.clear, masked: 0, probes: 0 });
      expect((await dayUsage(key)).clear).toBe(SALES.daily.clear - 3);

      // Every call below signs a new token for the same subject: the budget follows the principal.
      const first = dataOf(await server.gql<any>(CUSTOMER, { role: 'sales', sub: rep, variables: { id: customer.id } }));
      expect(first.customer).toEqual({ name: customer.name, phone: customer.phone });
      expect((await dayUsage(key)).clear).toBe(SALES.daily.clear - 1);

      const refused = await call(server, CUSTOMER, { role: 'sales', sub: rep, variables: { id: customer.id } });
      const error = expectRefusal(refused, 'EXPOSURE_BUDGET_EXHAUSTED', 429);
      expectRetryAfter(refused, error, DAY_S);
      expect(error.message).toMatch(/left/i);
      expect(error.message).toMatch(/\b1 clear\b/);
      expect(await accessRecord(refused.requestId)).toMatchObject({ outcome: 'EXPOSURE_BUDGET_EXHAUSTED', principal_sub: rep, clear_values: 0 });
      expect((await dayUsage(key)).clear).toBe(SALES.daily.clear - 1);

      // Nothing sensitive still works; another rep has their own budget.
      expect(dataOf(await server.gql<any>(ME, { role: 'sales', sub: rep })).me.sub).toBe(rep);
      const other = dataOf(await server.gql<any>(CUSTOMER, { role: 'sales', sub: otherRep, variables: { id: otherCustomer.id } }));
      expect(other.customer).toEqual({ name: otherCustomer.name, phone: otherCustomer.phone });
    });
  });

  describe('5. operation allow-list', () => {
    const NAMES = `query Names { customers(first: 2) { edges { node { id name } } } }`;
    const asAdmin = (query: string, variables?: Record<string, unknown>) => server.gql<any>(query, { role: 'admin', variables });

    it('serves an allow-listed partner only the exact documents registered for it, from the very next request', async () => {
      const partner = uniquePartner('allow');
      const neighbour = uniquePartner('allow');
      const token = await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
      await consentedCustomers(partner, 2, ['name']);
      const neighbourToken = await server.token({ role: 'partner', partner: neighbour, scopes: ['customers:read'] });

      // Off: any operation.
      expect(dataOf(await server.gql<any>(NAMES, { token })).customers.edges).toHaveLength(2);
      dataOf(await server.gql<any>(ME, { token }));

      expect(dataOf(await asAdmin(SET_ALLOW_LIST, { partnerId: partner, on: true })).setPartnerAllowList).toEqual({ id: partner, allowListOnly: true });
      for (const document of [ME, NAMES]) {
        const refused = await call(server, document, { token });
        const error = expectRefusal(refused, 'FORBIDDEN', 403);
        expect(error.extensions?.reason).toBe('OPERATION_NOT_REGISTERED');
        expect(error.extensions?.documentHash).toBe(sha256(document));
        expect((await accessRecord(refused.requestId)).outcome).toBe('FORBIDDEN');
      }
      // Another partner is not on the allow-list.
      dataOf(await server.gql<any>(NAMES, { token: neighbourToken }));

      const registered = dataOf(await asAdmin(REGISTER_OPERATION, { input: { partnerId: partner, document: NAMES } })).registerPartnerOperation;
      expect(registered).toEqual({ partnerId: partner, hash: sha256(NAMES), name: 'Names' });
      expect(dataOf(await server.gql<any>(NAMES, { token })).customers.edges).toHaveLength(2);

      // The exact text: whitespace, a trailing newline or another name is another document.
      for (const variant of [NAMES.replace('first: 2', 'first:  2'), `${NAMES}\n`, NAMES.replace('query Names', 'query  Names'), NAMES.replace('Names', 'Names2')]) {
        const error = expectRefusal(await server.gql<any>(variant, { token }), 'FORBIDDEN', 403);
        expect(error.extensions?.reason).toBe('OPERATION_NOT_REGISTERED');
      }
      expectRefusal(await server.gql<any>(ME, { token }), 'FORBIDDEN', 403);

      // Registered for one partner is registered for that partner only.
      await asAdmin(SET_ALLOW_LIST, { partnerId: neighbour, on: true });
      expect(expectRefusal(await server.gql<any>(NAMES, { token: neighbourToken }), 'FORBIDDEN', 403).extensions?.reason).toBe('OPERATION_NOT_REGISTERED');

      // Off again: lifted at once, same token.
      expect(dataOf(await asAdmin(SET_ALLOW_LIST, { partnerId: partner, on: false })).setPartnerAllowList.allowListOnly).toBe(false);
      dataOf(await server.gql<any>(ME, { token }));
      dataOf(await server.gql<any>(NAMES.replace('first: 2', 'first:  2'), { token }));
    });

    it('registerPartnerOperation refuses what is not one operation', async () => {
      const partner = uniquePartner('allow');
      await server.token({ role: 'partner', partner, scopes: ['customers:read'] });
      for (const document of ['{ me { sub ', `query A { me { sub } } query B { me { role } }`]) {
        const result = await asAdmin(REGISTER_OPERATION, { input: { partnerId: partner, document } });
        expect(result.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
      expect(await sql(`SELECT 1 FROM partner_operations WHERE partner_id = $1`, [partner])).toEqual([]);
    });
  });

  describe('6. introspection per scope', () => {
    const SCHEMA = `{ __schema { queryType { fields { name } } mutationType { fields { name } } types { name fields { name } } } }`;
    const HIDDEN_ROOTS = ['transactions', 'transaction', 'complaints', 'complaint', 'auditLog', 'customerAccessHistory', 'changeHistory', 'accessReport', 'partners', 'partnerTokens', 'partnerOperations', 'consents', 'partnerScopes'];

    it('a partner with customers:read sees its root fields and the fields it opens, nothing else', async () => {
      const token = await server.token({ role: 'partner', partner: uniquePartner('intro'), scopes: ['customers:read'] });
      const data = dataOf(await server.gql<any>(SCHEMA, { token }));
      const roots = (data.__schema.queryType.fields as { name: string }[]).map((f) => f.name);
      expect(roots).toEqual(expect.arrayContaining(['customers', 'customer', 'me']));
      for (const hidden of HIDDEN_ROOTS) expect(roots).not.toContain(hidden);
      expect(data.__schema.mutationType).toBeNull();

      const types = typesOf(data);
      expect(types.get('Customer')).toEqual(expect.arrayContaining(['id', 'name', 'tier']));
      for (const hidden of ['phone', 'email', 'idNumber', 'bankCardNumber', 'birthDate', 'transactions', 'complaints', 'contacts', 'address', 'annualIncome', 'relationshipManager']) {
        expect(types.get('Customer')).not.toContain(hidden);
      }
      for (const hidden of ['Transaction', 'Complaint', 'Contact', 'AccessRecord', 'Partner', 'PartnerToken', 'Consent', 'StaffMember', 'ChangeRecord']) {
        expect(types.has(hidden)).toBe(false);
      }
      expect(types.get('Viewer')).not.toContain('staffMember');

      const single = dataOf(await server.gql<any>(`{ access: __type(name: "AccessRecord") { name } tx: __type(name: "Transaction") { name } customer: __type(name: "Customer") { fields { name } } }`, { token }));
      expect(single.access).toBeNull();
      expect(single.tx).toBeNull();
      expect(single.customer.fields.map((f: { name: string }) => f.name)).not.toContain('phone');
    });

    it('with transactions:read the Transaction type and its root fields appear', async () => {
      const token = await server.token({ role: 'partner', partner: uniquePartner('intro'), scopes: ['customers:read', 'transactions:read'] });
      const data = dataOf(await server.gql<any>(SCHEMA, { token }));
      const roots = (data.__schema.queryType.fields as { name: string }[]).map((f) => f.name);
      expect(roots).toEqual(expect.arrayContaining(['customers', 'transactions', 'transaction']));
      expect(roots).not.toContain('complaints');
      const types = typesOf(data);
      expect(types.get('Transaction')).toEqual(expect.arrayContaining(['id', 'amount', 'accountNumber']));
      expect(types.get('Transaction')).not.toContain('counterpartyName');
      expect(types.get('Customer')).toContain('transactions');
      expect(types.get('Customer')).not.toContain('phone');
    });

    it('staff introspection still shows the whole schema', async () => {
      const data = dataOf(await server.gql<any>(SCHEMA, { role: 'analyst' }));
      const roots = (data.__schema.queryType.fields as { name: string }[]).map((f) => f.name);
      expect(roots).toEqual(expect.arrayContaining(['customers', 'transactions', 'complaints', 'auditLog', 'partners']));
      const types = typesOf(data);
      expect(types.get('Customer')).toEqual(expect.arrayContaining(['name', 'phone', 'idNumber', 'transactions']));
      expect(types.has('AccessRecord')).toBe(true);
    });

    it('refuses introspection mixed with data (INTROSPECTION_MIXED), in any shape', async () => {
      const token = await server.token({ role: 'partner', partner: uniquePartner('intro'), scopes: ['customers:read'] });
      const mixed = [
        `{ __schema { types { name } } customers(first: 1) { edges { node { id } } } }`,
        `{ customers(first: 1) { edges { node { id } } } __type(name: "AccessRecord") { name } }`,
        `{ ...F } fragment F on Query { __schema { types { name } } customers(first: 1) { edges { node { id } } } }`,
        `{ me { sub } ... on Query { __schema { queryType { name } } } }`,
      ];
      const answers = [];
      for (const query of mixed) {
        const result = await call(server, query, { token });
        const error = result.body.errors?.[0];
        answers.push({ query, status: result.status, code: error?.extensions?.code, reason: error?.extensions?.reason, data: result.body.data ?? null });
        // A refusal by the policy: registered.
        if (result.status === 403) expect((await accessRecord(result.requestId)).outcome).toBe('FORBIDDEN');
      }
      expect(answers).toEqual(mixed.map((query) => ({ query, status: 403, code: 'FORBIDDEN', reason: 'INTROSPECTION_MIXED', data: null })));
      // __typename alone is not introspection of the schema.
      expect(dataOf(await server.gql<any>(`{ __typename me { sub } }`, { token })).__typename).toBe('Query');
    });
  });

  describe('7. npm run schema -- --scopes', () => {
    const run = promisify(execFile);
    const schemaCli = (scopes: string) =>
      run('npm', ['run', '--silent', 'schema', '--', '--scopes', scopes], { cwd: ROOT, env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.build.json' } });

    it('prints the SDL a token with these scopes sees', async () => {
      const { stdout } = await schemaCli('customers:read');
      expect(stdout).toContain('customers(');
      expect(stdout).toMatch(/type Customer \{[^}]*\bname\b/);
      expect(stdout).not.toContain('transactions(');
      expect(stdout).not.toContain('auditLog');
      expect(stdout).not.toMatch(/type Customer \{[^}]*\bphone\b/);
      expect(stdout).not.toMatch(/type Transaction \{/);

      const wider = await schemaCli('customers:read,transactions:read');
      expect(wider.stdout).toContain('transactions(');
      expect(wider.stdout).toMatch(/type Transaction \{/);
    }, 120_000);

    it('exits 1 on an unknown scope', async () => {
      await expect(schemaCli('customers:read,everything:write')).rejects.toMatchObject({ code: 1 });
    }, 120_000);
  });
});
