/**
 * Usage counters shared by every API process: requests per minute and sensitive values per day,
 * per budget key. In PostgreSQL (one upsert per request) or, with REDIS_URL, in Redis.
 */
import { Redis } from 'ioredis';
import type { Pool } from 'pg';

export interface DayUsage {
  clear: number;
  masked: number;
}

export interface BudgetStore {
  /** Counts one request in the minute starting at `minute`; returns the minute's count and the day's usage so far. */
  admit(key: string, minute: Date, day: Date): Promise<{ requests: number; day: DayUsage }>;
  /** Adds the sensitive values a response carried to the day. */
  spend(key: string, day: Date, used: DayUsage): Promise<void>;
  close(): Promise<void>;
}

export class PostgresBudgetStore implements BudgetStore {
  constructor(private readonly pool: Pool) {}

  /** Windows older than two days are spent history: dropped at start. */
  async prune(): Promise<void> {
    await this.pool.query(`DELETE FROM usage_counters WHERE window_start < now() - interval '2 days'`);
  }

  async admit(key: string, minute: Date, day: Date) {
    const { rows } = await this.pool.query<{ requests: string; clear: string; masked: string }>(
      `WITH counted AS (
         INSERT INTO usage_counters (key, window_kind, window_start, requests) VALUES ($1, 'minute', $2, 1)
         ON CONFLICT (key, window_kind, window_start) DO UPDATE SET requests = usage_counters.requests + 1
         RETURNING requests
       )
       SELECT (SELECT requests FROM counted) AS requests, COALESCE(d.clear_values, 0) AS clear, COALESCE(d.masked_values, 0) AS masked
       FROM (SELECT 1) one LEFT JOIN usage_counters d ON d.key = $1 AND d.window_kind = 'day' AND d.window_start = $3`,
      [key, minute, day],
    );
    return { requests: Number(rows[0].requests), day: { clear: Number(rows[0].clear), masked: Number(rows[0].masked) } };
  }

  async spend(key: string, day: Date, used: DayUsage) {
    await this.pool.query(
      `INSERT INTO usage_counters (key, window_kind, window_start, clear_values, masked_values) VALUES ($1, 'day', $2, $3, $4)
       ON CONFLICT (key, window_kind, window_start)
       DO UPDATE SET clear_values = usage_counters.clear_values + EXCLUDED.clear_values, masked_values = usage_counters.masked_values + EXCLUDED.masked_values`,
      [key, day, used.clear, used.masked],
    );
  }

  async close() {}
}

/** REDIS_URL set: counters in Redis; otherwise in PostgreSQL. Either way shared by every process. */
export async function createBudgetStore(redisUrl: string | undefined, pool: Pool): Promise<BudgetStore> {
  if (redisUrl) return new RedisBudgetStore(redisUrl);
  const store = new PostgresBudgetStore(pool);
  await store.prune();
  return store;
}

export class RedisBudgetStore implements BudgetStore {
  private readonly redis: Redis;

  constructor(url: string) {
    // Fail fast instead of queueing commands while Redis is away: the request is then refused.
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
  }

  async admit(key: string, minute: Date, day: Date) {
    const minuteKey = `budget:${key}:m:${minute.getTime()}`;
    const dayKey = `budget:${key}:d:${day.getTime()}`;
    const results = await this.redis.multi().incr(minuteKey).expire(minuteKey, 120).hmget(dayKey, 'clear', 'masked').exec();
    if (!results) throw new Error('budget counters unavailable');
    const requests = Number(results[0][1]);
    const [clear, masked] = results[2][1] as (string | null)[];
    return { requests, day: { clear: Number(clear ?? 0), masked: Number(masked ?? 0) } };
  }

  async spend(key: string, day: Date, used: DayUsage) {
    const dayKey = `budget:${key}:d:${day.getTime()}`;
    await this.redis.multi().hincrby(dayKey, 'clear', used.clear).hincrby(dayKey, 'masked', used.masked).expire(dayKey, 2 * 86_400).exec();
  }

  async close() {
    await this.redis.quit().catch(() => undefined);
  }
}
