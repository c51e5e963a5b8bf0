/**
 * node-postgres on the request path (TypeORM owns the schema lifecycle). Every statement of a
 * request goes through a `RequestDb`, which counts them: tests assert the count per request.
 */
import { Pool, types, type PoolClient, type QueryResultRow } from 'pg';
import type { EntityChange } from '../audit/change-log';
import type { SqlParams } from './sql';
import { visibilityCondition, type CustomerVisibility } from './visibility';
import { keyringOf, type Keyring } from '../crypto/keyring';
import { clearRecord, openRows } from '../crypto/sealed-rows';
import { HOLD_COLUMN } from './columns';

// DATE stays "YYYY-MM-DD" (pg would build a local-midnight Date); NUMERIC and INT8 stay strings.
types.setTypeParser(types.builtins.DATE, (value: string) => value);

/**
 * `asynchronousCommit`: see below.
 * `role`: the database role every connection acts as (`SET ROLE` at connection start): the
 * app's own role may append to the audit register but not change it (see the AuditRegister migration).
 */
export function createPool(url: string, max: number, options: { role?: string; statementTimeoutMs?: number; waitMs?: number; asynchronousCommit?: boolean } = {}): Pool {
  const settings = [
    // Commits that need not wait for the WAL flush (usage counters): a crash may forget the last
    // fraction of a second of them, as Redis (which keeps nothing on disk here) would forget all.
    ...(options.asynchronousCommit ? ['-c synchronous_commit=off'] : []),
    ...(options.role ? [`-c role=${options.role}`] : []),
    // PostgreSQL itself cancels a statement that runs too long: the request then fails with TIMEOUT.
    ...(options.statementTimeoutMs ? [`-c statement_timeout=${options.statementTimeoutMs}`] : []),
    // A connection left in an open transaction (a bug, a crashed request) is ended by the server, not kept forever.
    ...(options.statementTimeoutMs ? [`-c idle_in_transaction_session_timeout=${Math.max(options.statementTimeoutMs * 3, 30_000)}`] : []),
  ];
  return new Pool({
    connectionString: url,
    max,
    application_name: 'customer-records',
    // Bounded wait for a free connection (pool exhausted, database away): then an error, not a hang.
    connectionTimeoutMillis: options.waitMs ?? 10_000,
    ...(settings.length ? { options: settings.join(' ') } : {}),
  });
}

/** Runs `work` on one pooled connection inside BEGIN … COMMIT; ROLLBACK on any error (bookkeeping outside a request). */
export async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** Writes a transaction's change history inside it, before COMMIT. */
export type ChangeWriter = (tx: TransactionDb, changes: EntityChange[]) => Promise<void>;

/** Runs SQL and returns rows: a request's database view, or one of its transactions. */
export interface SqlRunner {
  rows<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
}

/** A request's view of the database: counted statements, transactions on one client. */
/** Pages for a request without a role's own limit (tests, CLIs). */
const DEFAULT_MAX_PAGE_SIZE = 100;

export class RequestDb implements SqlRunner {
  statementCount = 0;
  /** A read-only snapshot taken before a mutation ran (see `freezeRelations`); null: none. */
  private snapshot: { client: PoolClient; runner: SqlRunner } | null = null;
  /** The request has ended: no snapshot may be taken (or kept) any more. */
  private released = false;

  constructor(
    private readonly pool: Pool,
    private readonly writeChanges?: ChangeWriter,
    /** Partners see consenting customers only (src/db/visibility.ts); null: no restriction. */
    readonly visibility: CustomerVisibility | null = null,
    /** The largest page the caller's role may ask for (the policy's `limits.pageSize`). */
    readonly maxPageSize: number = DEFAULT_MAX_PAGE_SIZE,
  ) {}

  /** The condition that keeps this request to the customers it may see, for one table alias; null: none needed. */
  visible(table: string, alias: string, params: SqlParams): string | null {
    return visibilityCondition(this.visibility, table, alias, params);
  }

  /** `conditions` plus, when this request is restricted, the visibility condition for one table alias. */
  restricted(conditions: string[], table: string, alias: string, params: SqlParams): string[] {
    const visible = this.visible(table, alias, params);
    return visible ? [...conditions, visible] : conditions;
  }

  /** Opens rows with sealed columns (src/crypto); undefined: this pool reads none. */
  get keyring(): Keyring | undefined {
    return keyringOf(this.pool);
  }

  /** `name`: a prepared statement, parsed and planned once per connection (the compiled reads). */
  async rows<R extends QueryResultRow>(text: string, values: unknown[] = [], name?: string): Promise<R[]> {
    this.statementCount++;
    return openRows(this.keyring, await (name ? this.pool.query<R>({ name, text, values }) : this.pool.query<R>(text, values)));
  }

  /**
   * Takes a snapshot of the database as it is now, before a mutation runs: the relationships that
   * decide clear values in the mutation's answer are read from it, so creating or changing a
   * relationship never returns clear values in the same request. Held until `releaseSnapshot`.
   */
  async freezeRelations(): Promise<void> {
    if (this.snapshot || this.released) return;
    const client = await this.pool.connect();
    try {
      // The snapshot of a REPEATABLE READ transaction is taken by its first statement.
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      await client.query('SELECT 1');
      this.statementCount += 2;
    } catch (error) {
      client.release(true);
      throw error;
    }
    const counter = this;
    // Released while connecting (the request ended meanwhile): hand the connection straight back.
    if (this.released) {
      await client.query('COMMIT').catch(() => undefined);
      client.release();
      return;
    }
    this.snapshot = {
      client,
      runner: {
        async rows<R extends QueryResultRow>(text: string, values: unknown[] = []) {
          counter.statementCount++;
          return openRows(counter.keyring, await client.query<R>(text, values));
        },
      },
    };
  }

  /** Whether relationships are read from the snapshot taken before a mutation. */
  get relationsFrozen(): boolean {
    return this.snapshot !== null;
  }

  /** Where relationship lookups read: the pre-mutation snapshot when there is one. */
  get relations(): SqlRunner {
    return this.snapshot?.runner ?? this;
  }

  async releaseSnapshot(): Promise<void> {
    this.released = true;
    const snapshot = this.snapshot;
    if (!snapshot) return;
    this.snapshot = null;
    try {
      await snapshot.client.query('COMMIT');
      snapshot.client.release();
    } catch {
      snapshot.client.release(true);
    }
  }

  /** Runs `work` in one transaction: all of it commits, or none of it does. */
  async transaction<T>(work: (tx: TransactionDb) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const tx = new TransactionDb(client, this, this.keyring);
    try {
      await tx.exec('BEGIN');
      const result = await work(tx);
      if (tx.changes.length > 0) {
        // Fail closed: a change that cannot be registered is not made.
        if (!this.writeChanges) throw new Error('this database view has no change history: refusing to commit a change');
        await this.writeChanges(tx, tx.changes);
      }
      await tx.exec('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}

/** A row as the change history records it: sealed fields clear, no read markers (`$hold`). */
function historyRecord(row: Record<string, unknown> | null): Record<string, unknown> | null {
  const record = clearRecord(row);
  if (record) delete record[HOLD_COLUMN];
  return record;
}

export class TransactionDb implements SqlRunner {
  /** Changes made in this transaction: its change history, written before COMMIT. */
  readonly changes: EntityChange[] = [];

  constructor(
    private readonly client: PoolClient,
    private readonly counter: { statementCount: number },
    readonly keyring?: Keyring,
  ) {}

  async rows<R extends QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    this.counter.statementCount++;
    return openRows(this.keyring, await this.client.query<R>(text, values));
  }

  /** Registers a changed record (its sealed fields read clear, for the history); every write in a transaction calls this. */
  changed(change: EntityChange): void {
    this.changes.push({ ...change, before: historyRecord(change.before), after: historyRecord(change.after) });
  }

  async exec(text: string, values: unknown[] = []): Promise<number> {
    this.counter.statementCount++;
    const result = await this.client.query(text, values);
    return result.rowCount ?? 0;
  }
}
