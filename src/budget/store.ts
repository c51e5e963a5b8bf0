/**
 * Usage counters shared by every API process: requests per minute and sensitive values per day,
 * per budget key. In PostgreSQL (upserts) or, with REDIS_URL, in Redis. A day's values are
 * reserved atomically before execution (what the operation can return) and the unused part is
 * given back afterwards, so concurrent requests cannot together overrun the budget.
 */
import { Redis } from 'ioredis';
import type { Pool } from 'pg';

export interface DayUsage {
  clear: number;
  masked: number;
  /** Lookups, filters and uniqueness checks on sensitive fields. */
  probes: number;
}

/**
 * The daily budget as this response leaves it (`extensions.privacy.budget`): the limits, what this
 * operation spent, what the caller has used today in all (as of its reservation: concurrent
 * requests of the same caller may have spent more since) and what is left; the day ends at
 * midnight China time.
 */
export interface BudgetReport {
  day: string;
  resetsAt: string;
  daily: DayUsage;
  thisRequest: DayUsage;
  usedToday: DayUsage;
  leftToday: DayUsage;
}

export interface Reservation {
  granted: boolean;
  /** The day's usage after the reservation (or, when refused, as it stands). */
  day: DayUsage;
}

/** What one request asks of its accountable party's counters before it runs. */
export interface AdmissionRequest {
  key: string;
  minute: Date;
  day: Date;
  /** Sensitive values and probes the operation can return and makes; null or all zero: nothing to reserve. */
  want: DayUsage | null;
  requestsPerMinute: number;
  daily: DayUsage;
}

export interface Admission {
  /** The minute's request count, this request included. */
  requests: number;
  /** Null when nothing was to be reserved or the request is over the minute's rate (then nothing is reserved). */
  reservation: Reservation | null;
}

const nothingWanted = (want: DayUsage | null): boolean => !want || want.clear + want.masked + want.probes === 0;

export interface BudgetStore {
  /**
   * Counts the request in its minute and, when it is within the rate, reserves what it wants of
   * the day (all or nothing) — in one round trip: the per-request cost of budgets.
   */
  admit(request: AdmissionRequest): Promise<Admission>;
  /** Counts one request in the minute starting at `minute`; returns the minute's count. */
  countRequest(key: string, minute: Date): Promise<number>;
  /** Adds `want` to the day only if the result stays within `limit` (all or nothing). */
  reserve(key: string, day: Date, want: DayUsage, limit: DayUsage): Promise<Reservation>;
  /** Gives back what was reserved and not returned; a negative amount charges what was returned beyond the reservation. */
  release(key: string, day: Date, unused: DayUsage): Promise<void>;
  /** The identifying fields (coordinates) of each record (`Customer:<id>`) shown clear to `key` on `day`. */
  clearFieldsToday(key: string, day: Date, records: string[]): Promise<Map<string, string[]>>;
  /**
   * Admits one more field of a record, in one atomic step: true when it was there already or the
   * record has fewer than `limit` (so concurrent requests cannot together pass the limit).
   */
  admitClearField(key: string, day: Date, record: string, coordinate: string, limit: number): Promise<boolean>;
  close(): Promise<void>;
}

export class PostgresBudgetStore implements BudgetStore {
  constructor(private readonly pool: Pool) {}

  /** Windows older than two days are spent history: dropped at start. */
  async prune(): Promise<void> {
    await this.pool.query(`DELETE FROM usage_counters WHERE window_start < now() - interval '2 days'`);
    await this.pool.query(`DELETE FROM breadth_counters WHERE window_start < now() - interval '2 days'`);
  }

  async clearFieldsToday(key: string, day: Date, records: string[]) {
    const { rows } = await this.pool.query<{ record: string; fields: string[] }>(
      `SELECT record, fields FROM breadth_counters WHERE key = $1 AND window_start = $2 AND record = ANY($3::text[])`,
      [key, day, records],
    );
    return new Map(rows.map((r) => [r.record, r.fields]));
  }

  async admitClearField(key: string, day: Date, record: string, coordinate: string, limit: number) {
    // Under the row's lock: add only while the record has room; answer whether the field is in.
    const { rows } = await this.pool.query<{ admitted: boolean }>(
      `INSERT INTO breadth_counters AS b (key, window_start, record, fields) VALUES ($1, $2, $3, CASE WHEN $5::int > 0 THEN ARRAY[$4::text] ELSE '{}'::text[] END)
       ON CONFLICT (key, window_start, record) DO UPDATE
         SET fields = CASE WHEN $4 = ANY(b.fields) OR cardinality(b.fields) >= $5 THEN b.fields ELSE array_append(b.fields, $4) END
       RETURNING $4 = ANY(fields) AS admitted`,
      [key, day, record, coordinate, limit],
    );
    return rows[0].admitted;
  }

  async admit({ key, minute, day, want, requestsPerMinute, daily }: AdmissionRequest): Promise<Admission> {
    const asked = nothingWanted(want) ? null : want!;
    // One statement: the minute's upsert, then — only within the rate — the day's conditional
    // upsert (ON CONFLICT re-checks the limits on the row's latest version under its lock, so
    // concurrent requests cannot together overrun the day), and the day as it stood for a refusal.
    const { rows } = await this.pool.query<{ requests: string; granted: boolean; clear: string | null; masked: string | null; probes: string | null }>(
      `WITH minute AS (
         INSERT INTO usage_counters (key, window_kind, window_start, requests) VALUES ($1::text, 'minute', $2::timestamptz, 1)
         ON CONFLICT (key, window_kind, window_start) DO UPDATE SET requests = usage_counters.requests + 1
         RETURNING requests
       ), reserved AS (
         INSERT INTO usage_counters AS u (key, window_kind, window_start, clear_values, masked_values, probes)
         SELECT $1::text, 'day', $3::timestamptz, $4::bigint, $5::bigint, $6::bigint FROM minute
          WHERE $10::boolean AND minute.requests <= $11::bigint AND $4::bigint <= $7::bigint AND $5::bigint <= $8::bigint AND $6::bigint <= $9::bigint
         ON CONFLICT (key, window_kind, window_start) DO UPDATE
           SET clear_values = u.clear_values + EXCLUDED.clear_values, masked_values = u.masked_values + EXCLUDED.masked_values, probes = u.probes + EXCLUDED.probes
           WHERE u.clear_values + EXCLUDED.clear_values <= $7::bigint AND u.masked_values + EXCLUDED.masked_values <= $8::bigint AND u.probes + EXCLUDED.probes <= $9::bigint
         RETURNING clear_values, masked_values, probes
       )
       SELECT minute.requests, reserved.clear_values IS NOT NULL AS granted,
              coalesce(reserved.clear_values, before.clear_values, 0) AS clear, coalesce(reserved.masked_values, before.masked_values, 0) AS masked,
              coalesce(reserved.probes, before.probes, 0) AS probes
         FROM minute LEFT JOIN reserved ON TRUE
         LEFT JOIN usage_counters before ON before.key = $1 AND before.window_kind = 'day' AND before.window_start = $3`,
      [key, minute, day, asked?.clear ?? 0, asked?.masked ?? 0, asked?.probes ?? 0, daily.clear, daily.masked, daily.probes, asked !== null, requestsPerMinute],
    );
    const row = rows[0];
    const requests = Number(row.requests);
    if (!asked || requests > requestsPerMinute) return { requests, reservation: null };
    return { requests, reservation: { granted: row.granted, day: { clear: Number(row.clear), masked: Number(row.masked), probes: Number(row.probes) } } };
  }

  async countRequest(key: string, minute: Date) {
    const { rows } = await this.pool.query<{ requests: string }>(
      `INSERT INTO usage_counters (key, window_kind, window_start, requests) VALUES ($1, 'minute', $2, 1)
       ON CONFLICT (key, window_kind, window_start) DO UPDATE SET requests = usage_counters.requests + 1
       RETURNING requests`,
      [key, minute],
    );
    return Number(rows[0].requests);
  }

  async reserve(key: string, day: Date, want: DayUsage, limit: DayUsage): Promise<Reservation> {
    await this.pool.query(`INSERT INTO usage_counters (key, window_kind, window_start) VALUES ($1, 'day', $2) ON CONFLICT DO NOTHING`, [key, day]);
    // UPDATE re-checks its condition on the row's latest version under the row lock: check-and-add
    // is one step across processes.
    const added = await this.pool.query<{ clear: string; masked: string; probes: string }>(
      `UPDATE usage_counters SET clear_values = clear_values + $3, masked_values = masked_values + $4, probes = probes + $5
       WHERE key = $1 AND window_kind = 'day' AND window_start = $2 AND clear_values + $3 <= $6 AND masked_values + $4 <= $7 AND probes + $5 <= $8
       RETURNING clear_values AS clear, masked_values AS masked, probes`,
      [key, day, want.clear, want.masked, want.probes, limit.clear, limit.masked, limit.probes],
    );
    const row =
      added.rows[0] ??
      (await this.pool.query<{ clear: string; masked: string; probes: string }>(
        `SELECT clear_values AS clear, masked_values AS masked, probes FROM usage_counters WHERE key = $1 AND window_kind = 'day' AND window_start = $2`,
        [key, day],
      )).rows[0];
    return { granted: added.rows.length > 0, day: { clear: Number(row.clear), masked: Number(row.masked), probes: Number(row.probes) } };
  }

  async release(key: string, day: Date, unused: DayUsage) {
    await this.pool.query(
      `UPDATE usage_counters SET clear_values = clear_values - $3, masked_values = masked_values - $4, probes = probes - $5
       WHERE key = $1 AND window_kind = 'day' AND window_start = $2`,
      [key, day, unused.clear, unused.masked, unused.probes],
    );
  }

  async close() {}
}

/** Check and add in one step inside Redis (scripts run atomically). */
const RESERVE_SCRIPT = `
local clear = tonumber(redis.call('HGET', KEYS[1], 'clear') or '0')
local masked = tonumber(redis.call('HGET', KEYS[1], 'masked') or '0')
local probes = tonumber(redis.call('HGET', KEYS[1], 'probes') or '0')
if clear + tonumber(ARGV[1]) > tonumber(ARGV[4]) or masked + tonumber(ARGV[2]) > tonumber(ARGV[5]) or probes + tonumber(ARGV[3]) > tonumber(ARGV[6]) then
  return {0, clear, masked, probes}
end
clear = redis.call('HINCRBY', KEYS[1], 'clear', ARGV[1])
masked = redis.call('HINCRBY', KEYS[1], 'masked', ARGV[2])
probes = redis.call('HINCRBY', KEYS[1], 'probes', ARGV[3])
redis.call('EXPIRE', KEYS[1], 172800)
return {1, clear, masked, probes}`;

/** The minute's count, then — within the rate and when something is wanted — RESERVE_SCRIPT on the day. */
const ADMISSION_SCRIPT = `
local requests = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], 120)
if tonumber(ARGV[8]) == 0 or requests > tonumber(ARGV[7]) then return {requests, -1, 0, 0, 0} end
local clear = tonumber(redis.call('HGET', KEYS[2], 'clear') or '0')
local masked = tonumber(redis.call('HGET', KEYS[2], 'masked') or '0')
local probes = tonumber(redis.call('HGET', KEYS[2], 'probes') or '0')
if clear + tonumber(ARGV[1]) > tonumber(ARGV[4]) or masked + tonumber(ARGV[2]) > tonumber(ARGV[5]) or probes + tonumber(ARGV[3]) > tonumber(ARGV[6]) then
  return {requests, 0, clear, masked, probes}
end
clear = redis.call('HINCRBY', KEYS[2], 'clear', ARGV[1])
masked = redis.call('HINCRBY', KEYS[2], 'masked', ARGV[2])
probes = redis.call('HINCRBY', KEYS[2], 'probes', ARGV[3])
redis.call('EXPIRE', KEYS[2], 172800)
return {requests, 1, clear, masked, probes}`;

/** Breadth: in the set already, or room left — then added; one step inside Redis. */
const ADMIT_SCRIPT = `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 172800)
return 1`;

export class RedisBudgetStore implements BudgetStore {
  private constructor(
    private readonly redis: Redis,
    /** Key prefix: one deployment's counters apart from another's on a shared Redis (tests: one per database). */
    private readonly prefix: string,
  ) {}

  /** Connected before use: commands are not queued while Redis is away (the request is refused instead). */
  static async connect(url: string, prefix = 'budget'): Promise<RedisBudgetStore> {
    const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: true });
    await redis.connect();
    return new RedisBudgetStore(redis, prefix);
  }

  async admit({ key, minute, day, want, requestsPerMinute, daily }: AdmissionRequest): Promise<Admission> {
    const asked = nothingWanted(want) ? null : want!;
    const [requests, granted, clear, masked, probes] = (await this.redis.eval(
      ADMISSION_SCRIPT, 2, `${this.prefix}:${key}:m:${minute.getTime()}`, `${this.prefix}:${key}:d:${day.getTime()}`,
      asked?.clear ?? 0, asked?.masked ?? 0, asked?.probes ?? 0, daily.clear, daily.masked, daily.probes, requestsPerMinute, asked ? 1 : 0,
    )) as number[];
    if (granted === -1) return { requests: Number(requests), reservation: null };
    return { requests: Number(requests), reservation: { granted: granted === 1, day: { clear: Number(clear), masked: Number(masked), probes: Number(probes) } } };
  }

  async countRequest(key: string, minute: Date) {
    const minuteKey = `${this.prefix}:${key}:m:${minute.getTime()}`;
    const results = await this.redis.multi().incr(minuteKey).expire(minuteKey, 120).exec();
    if (!results || results[0][0]) throw new Error('budget counters unavailable');
    return Number(results[0][1]);
  }

  async reserve(key: string, day: Date, want: DayUsage, limit: DayUsage): Promise<Reservation> {
    const [granted, clear, masked, probes] = (await this.redis.eval(
      RESERVE_SCRIPT, 1, `${this.prefix}:${key}:d:${day.getTime()}`, want.clear, want.masked, want.probes, limit.clear, limit.masked, limit.probes,
    )) as number[];
    return { granted: granted === 1, day: { clear: Number(clear), masked: Number(masked), probes: Number(probes) } };
  }

  async release(key: string, day: Date, unused: DayUsage) {
    const dayKey = `${this.prefix}:${key}:d:${day.getTime()}`;
    await this.redis.multi().hincrby(dayKey, 'clear', -unused.clear).hincrby(dayKey, 'masked', -unused.masked).hincrby(dayKey, 'probes', -unused.probes).exec();
  }

  async clearFieldsToday(key: string, day: Date, records: string[]) {
    const pipeline = this.redis.pipeline();
    for (const record of records) pipeline.smembers(`${this.prefix}:${key}:b:${day.getTime()}:${record}`);
    const results = (await pipeline.exec()) ?? [];
    return new Map(records.map((record, i) => [record, (results[i]?.[1] as string[] | undefined) ?? []]));
  }

  async admitClearField(key: string, day: Date, record: string, coordinate: string, limit: number) {
    const admitted = await this.redis.eval(ADMIT_SCRIPT, 1, `${this.prefix}:${key}:b:${day.getTime()}:${record}`, coordinate, limit);
    return admitted === 1;
  }

  async close() {
    await this.redis.quit().catch(() => undefined);
  }
}

/** REDIS_URL set: counters in Redis; otherwise in PostgreSQL. Either way shared by every process. */
export async function createBudgetStore(redisUrl: string | undefined, pool: Pool, redisPrefix?: string): Promise<BudgetStore> {
  if (redisUrl) return RedisBudgetStore.connect(redisUrl, redisPrefix);
  const store = new PostgresBudgetStore(pool);
  await store.prune();
  return store;
}
