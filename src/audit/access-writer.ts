/**
 * Group commit for access records: records that arrive while a batch is being committed wait
 * and go together in the next one (one INSERT, one COMMIT for many requests). Each caller's
 * promise settles when its own record is durable — or rejects, so the caller can fail closed.
 */
import type { Pool } from 'pg';
import type { Logger } from '../logger';
import { inTransaction } from '../db/pool';
import { appendToChain, type ChainedRow } from './chain';

/** Bounded so one INSERT stays under PostgreSQL's 65,535 parameters (22 per record). */
const MAX_BATCH = 1000;

export type AccessRecord = Omit<ChainedRow, 'seq' | 'prevHash'>;

interface Waiting {
  record: AccessRecord;
  resolve(): void;
  reject(error: unknown): void;
}

export class AccessWriter {
  private queue: Waiting[] = [];
  private flushing: Promise<void> | null = null;
  /** Batches and records committed since start (the bench reports them). */
  readonly stats = { batches: 0, records: 0, failures: 0 };
  /** Told of each group commit (the metrics' commit latency and batch size); never of the records' content. */
  private observers: ((batch: { records: number; seconds: number; ok: boolean }) => void)[] = [];

  constructor(private readonly pool: Pool, private readonly log: Logger) {}

  append(record: AccessRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.flushing ??= this.drain();
    });
  }

  observe(observer: (batch: { records: number; seconds: number; ok: boolean }) => void): void {
    this.observers.push(observer);
  }

  /** Resolves once every record appended so far has been committed or refused. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async drain(): Promise<void> {
    // Let the records of requests finishing in this tick join the first batch.
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        const started = process.hrtime.bigint();
        const report = (ok: boolean) => {
          for (const observer of this.observers) observer({ records: batch.length, seconds: Number(process.hrtime.bigint() - started) / 1e9, ok });
        };
        try {
          await this.commit(batch.map((w) => w.record));
          this.stats.batches += 1;
          this.stats.records += batch.length;
          report(true);
          for (const waiting of batch) waiting.resolve();
        } catch (error) {
          this.stats.failures += 1;
          report(false);
          this.log.error({ err: { code: (error as { code?: string }).code, message: (error as Error).message }, records: batch.length }, 'audit register write failed');
          for (const waiting of batch) waiting.reject(error);
        }
      }
    } finally {
      this.flushing = null;
    }
  }

  private async commit(records: AccessRecord[]): Promise<void> {
    try {
      await this.transaction(records);
    } catch (error) {
      // 23514: no partition for the row's month (the server ran past the months made ahead).
      if ((error as { code?: string }).code !== '23514') throw error;
      await this.pool.query('SELECT audit_ensure_partitions(2)');
      await this.transaction(records);
    }
  }

  private async transaction(records: AccessRecord[]): Promise<void> {
    await inTransaction(this.pool, (client) => appendToChain({ rows: async (text, values) => (await client.query(text, values)).rows }, 'access', records));
  }
}
