/**
 * Key management (`npm run keys`): status, KEK rotation (re-wrap), data-key rotation (re-seal),
 * sealing leftover plaintext — online, while the server serves, resumable, every step in the change
 * history (entity KeyRotation: counts and key ids, never key material).
 *
 * Why readers never see a mix: every read selects a row's ciphertext and its key reference (a
 * scalar subquery on keystore.customer_keys, `keyReferenceSql`) in one statement, so one MVCC
 * snapshot gives either the old key and old ciphertext or the new key and new ciphertext. The
 * in-process key cache is keyed by that reference — customer, KEK id and the wrapped bytes — so a
 * re-wrapped or replaced key is a new reference and is never served from a stale entry.
 * Why writers never seal under a replaced key: they share-lock the key row they seal with
 * (`Keyring.customerKey(…, { forSealing })`), which a data-key rotation locks for update.
 */
import type { Pool } from 'pg';
import type { ChangeAction } from '../audit/change-log';
import type { RequestDb, SqlRunner, TransactionDb } from '../db/pool';
import type { KeyEncryptionProvider, RotatableKeyProvider } from './key-provider';
import { wrappingPlace, type Keyring } from './keyring';
import { sealPlaintext, type SealReport } from './seal-plaintext';
import { SEALED_TABLES } from './sealed-fields';
import { newDataKey, open, placeOf, seal } from './sealing';

/** Who runs a key operation: an operator's database view (its transactions write the change history) and the keys. */
export interface KeyOperator {
  db: RequestDb;
  keyring: Keyring;
  /**
   * A pool whose user sees other sessions in pg_stat_activity (the owner's): `rotate-kek` waits on
   * it for transactions older than the new KEK before retiring the old one. Without it, no wait.
   */
  monitor?: Pool;
}

const KEY_ROTATION = 'KeyRotation' as const;

async function record(tx: TransactionDb, entityId: string, action: ChangeAction, reason: string, customerId: string | null = null): Promise<void> {
  tx.changed({ entity: KEY_ROTATION, entityId, customerId, action, before: null, after: null, reason });
}

function rotatable(provider: KeyEncryptionProvider): RotatableKeyProvider {
  const candidate = provider as Partial<RotatableKeyProvider>;
  if (typeof candidate.addKek !== 'function' || typeof candidate.retireKek !== 'function') throw new Error('this key provider cannot add or retire key-encryption keys');
  return provider as RotatableKeyProvider;
}

/** Lock waits a key operation accepts before it gives the row back to the requests and tries later. */
const LOCK_TIMEOUT_MS = 250;
const isLockConflict = (error: unknown) => ['55P03', '40P01'].includes((error as { code?: string }).code ?? '');

// ---------------------------------------------------------------------------------------------
// status

export interface KeyStatus {
  keyEncryptionKeys: { current: string; inFile: string[]; referencedButMissing: string[] };
  dataKeysByKek: Record<string, number>;
  historyKeysByKek: Record<string, number>;
  customers: number;
  customerKeys: number;
  customersWithoutKeys: number;
  keysWithoutCustomer: number;
  plaintextRows: Record<string, number>;
  oldestDataKey: { since: string | null; ageDays: number | null };
  lastDataKeyRotation: string | null;
  lastRewrap: string | null;
}

/** Counts and key ids only: nothing here is key material. */
export async function keyStatus(db: SqlRunner, provider: KeyEncryptionProvider, now: Date = new Date()): Promise<KeyStatus> {
  const byKek = async (column: string) =>
    Object.fromEntries((await db.rows<{ kek: string; n: number }>(`SELECT ${column} AS kek, count(*)::int AS n FROM keystore.customer_keys GROUP BY 1 ORDER BY 1`)).map((r) => [r.kek, r.n]));
  const dataKeysByKek = await byKek('kek_id');
  const historyKeysByKek = await byKek('history_kek_id');
  const [counts] = await db.rows<{ customers: number; keys: number; without: number; orphans: number; oldest: Date | null; rotated: Date | null; rewrapped: Date | null }>(
    `SELECT (SELECT count(*)::int FROM customers) AS customers,
            (SELECT count(*)::int FROM keystore.customer_keys) AS keys,
            (SELECT count(*)::int FROM customers c WHERE NOT EXISTS (SELECT 1 FROM keystore.customer_keys k WHERE k.customer_id = c.id)) AS without,
            (SELECT count(*)::int FROM keystore.customer_keys k WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = k.customer_id)) AS orphans,
            (SELECT min(coalesce(data_key_rotated_at, created_at)) FROM keystore.customer_keys) AS oldest,
            (SELECT max(data_key_rotated_at) FROM keystore.customer_keys) AS rotated,
            (SELECT max(rewrapped_at) FROM keystore.customer_keys) AS rewrapped`,
  );
  const plaintextRows: Record<string, number> = {};
  for (const spec of Object.values(SEALED_TABLES)) {
    const [{ n }] = await db.rows<{ n: number }>(`SELECT count(*)::int AS n FROM ${spec.table} t WHERE ${spec.fields.map((f) => `t.${f.column} IS NOT NULL`).join(' OR ')}`);
    plaintextRows[spec.table] = n;
  }
  const inFile = provider.kekIds();
  const referenced = new Set([...Object.keys(dataKeysByKek), ...Object.keys(historyKeysByKek)]);
  return {
    keyEncryptionKeys: { current: provider.currentKekId(), inFile, referencedButMissing: [...referenced].filter((id) => !inFile.includes(id)) },
    dataKeysByKek,
    historyKeysByKek,
    customers: counts.customers,
    customerKeys: counts.keys,
    customersWithoutKeys: counts.without,
    keysWithoutCustomer: counts.orphans,
    plaintextRows,
    oldestDataKey: {
      since: counts.oldest?.toISOString() ?? null,
      ageDays: counts.oldest ? Math.floor((now.getTime() - counts.oldest.getTime()) / 86_400_000) : null,
    },
    lastDataKeyRotation: counts.rotated?.toISOString() ?? null,
    lastRewrap: counts.rewrapped?.toISOString() ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// rotate-kek: re-wrap every data and history key under a new KEK (the data keys stay the same)

export interface KekRotationOptions {
  /** Key rows per batch (each batch one short transaction). */
  batch?: number;
  /** Stop after this many batches (an interrupted run; running again continues). */
  maxBatches?: number;
  /** Keep KEKs no key references any more instead of retiring them. */
  keepOld?: boolean;
  lockTimeoutMs?: number;
  /** How long to wait for transactions older than the new KEK before retiring the old one. */
  drainTimeoutMs?: number;
}

export interface KekRotationReport {
  /** The KEK this run added (null: it continued an interrupted rotation to the current one). */
  added: string | null;
  current: string;
  batches: number;
  dataKeysRewrapped: number;
  historyKeysRewrapped: number;
  /** Keys still under another KEK than the current one. */
  remaining: number;
  complete: boolean;
  retired: string[];
  kept: string[];
  seconds: number;
}

interface KeyRow {
  customer_id: string;
  kek_id: string;
  data_key: Buffer;
  history_kek_id: string;
  history_key: Buffer;
}

const staleKeys = async (db: SqlRunner, current: string) =>
  (await db.rows<{ n: number }>(`SELECT count(*)::int AS n FROM keystore.customer_keys WHERE kek_id <> $1 OR history_kek_id <> $1`, [current]))[0].n;

/** One batch: rows under another KEK, locked in key order (SKIP LOCKED unless `wait`), re-wrapped, one change record. */
async function rewrapBatch(op: KeyOperator, provider: RotatableKeyProvider, current: string, size: number, wait: boolean, lockTimeoutMs: number) {
  return op.db.transaction(async (tx) => {
    await tx.exec(`SET LOCAL lock_timeout = ${Math.floor(lockTimeoutMs)}`);
    const rows = await tx.rows<KeyRow>(
      `SELECT customer_id::text AS customer_id, kek_id, data_key, history_kek_id, history_key FROM keystore.customer_keys
       WHERE kek_id <> $1 OR history_kek_id <> $1 ORDER BY customer_id LIMIT $2 FOR UPDATE${wait ? '' : ' SKIP LOCKED'}`,
      [current, size],
    );
    let data = 0;
    let history = 0;
    const from = new Set<string>();
    const rewrap = async (customerId: string, kind: 'data' | 'history', kekId: string, wrapped: Buffer) => {
      if (kekId === current) return { kekId, wrapped };
      from.add(kekId);
      const key = await provider.unwrap(kekId, wrapped, wrappingPlace(customerId, kind));
      try {
        return await provider.wrap(key, wrappingPlace(customerId, kind));
      } finally {
        key.fill(0);
      }
    };
    const updated: KeyRow[] = [];
    for (const row of rows) {
      const d = await rewrap(row.customer_id, 'data', row.kek_id, row.data_key);
      const h = await rewrap(row.customer_id, 'history', row.history_kek_id, row.history_key);
      if (d.kekId !== row.kek_id) data++;
      if (h.kekId !== row.history_kek_id) history++;
      updated.push({ customer_id: row.customer_id, kek_id: d.kekId, data_key: d.wrapped, history_kek_id: h.kekId, history_key: h.wrapped });
    }
    if (updated.length > 0) {
      await tx.exec(
        `UPDATE keystore.customer_keys k SET kek_id = v.kek_id, data_key = v.data_key, history_kek_id = v.history_kek_id, history_key = v.history_key, rewrapped_at = now()
         FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::text[], $5::bytea[]) AS v(customer_id, kek_id, data_key, history_kek_id, history_key)
         WHERE k.customer_id = v.customer_id`,
        [updated.map((r) => r.customer_id), updated.map((r) => r.kek_id), updated.map((r) => r.data_key), updated.map((r) => r.history_kek_id), updated.map((r) => r.history_key)],
      );
      await record(tx, current, 'UPDATE', `re-wrapped ${data} data keys and ${history} history keys under ${current} (were under ${[...from].sort().join(', ')})`);
    }
    return { rows: rows.length, data, history };
  });
}

/** Waits (bounded) until no transaction that started before `since` is still open in this database. */
async function drainOlderTransactions(monitor: Pool | undefined, since: Date, timeoutMs: number): Promise<boolean> {
  if (!monitor) return true;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows: [{ n }] } = await monitor.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
       WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND xact_start < $1`,
      [since],
    );
    if (n === 0) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function rotateKek(op: KeyOperator, options: KekRotationOptions = {}): Promise<KekRotationReport> {
  const started = Date.now();
  const provider = rotatable(op.keyring.provider);
  const size = options.batch ?? 500;
  const lockTimeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
  let added: string | null = null;
  // Keys still under an older KEK: an interrupted rotation, continued to the current KEK. Otherwise a new one.
  if ((await staleKeys(op.db, provider.currentKekId())) === 0) {
    added = provider.addKek();
    await op.db.transaction((tx) => record(tx, added!, 'CREATE', `key-encryption key ${added} added and made current; keys are re-wrapped under it`));
  }
  const [{ since }] = await op.db.rows<{ since: Date }>(`SELECT clock_timestamp() AS since`);
  const report = { batches: 0, data: 0, history: 0 };
  let conflicts = 0;
  /** Re-wraps until nothing is left under an older KEK; false when stopped by maxBatches or by locks held too long. */
  const rewrapAll = async (): Promise<boolean> => {
    let wait = false;
    for (;;) {
      if (options.maxBatches !== undefined && report.batches >= options.maxBatches) return false;
      const current = provider.currentKekId();
      let done;
      try {
        done = await rewrapBatch(op, provider, current, size, wait, lockTimeoutMs);
      } catch (error) {
        if (!isLockConflict(error) || ++conflicts > 20) throw error;
        continue;
      }
      if (done.rows > 0) {
        report.batches++;
        report.data += done.data;
        report.history += done.history;
        wait = false;
        continue;
      }
      if ((await staleKeys(op.db, current)) === 0) return true;
      // What is left is locked by requests sealing with those keys: wait for them (bounded by lock_timeout).
      wait = true;
    }
  };
  let complete = await rewrapAll();
  const retired: string[] = [];
  const kept: string[] = [];
  if (complete) {
    // A transaction that began before the new KEK was current may have wrapped a new customer's key under the old one.
    const drained = await drainOlderTransactions(op.monitor, since, options.drainTimeoutMs ?? 30_000);
    complete = (await rewrapAll()) && drained;
  }
  const current = provider.currentKekId();
  if (complete) {
    const referenced = new Set(
      (await op.db.rows<{ kek: string }>(`SELECT kek_id AS kek FROM keystore.customer_keys UNION SELECT history_kek_id FROM keystore.customer_keys`)).map((r) => r.kek),
    );
    for (const kekId of provider.kekIds()) {
      if (kekId === current || referenced.has(kekId)) continue;
      if (options.keepOld) {
        kept.push(kekId);
        continue;
      }
      provider.retireKek(kekId);
      retired.push(kekId);
      await op.db.transaction((tx) => record(tx, kekId, 'DELETE', `key-encryption key ${kekId} retired: no data or history key is wrapped under it any more`));
    }
  }
  return {
    added,
    current,
    batches: report.batches,
    dataKeysRewrapped: report.data,
    historyKeysRewrapped: report.history,
    remaining: await staleKeys(op.db, current),
    complete,
    retired,
    kept,
    seconds: (Date.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------
// rotate-data-keys: a new data key per customer, every sealed value of theirs re-sealed under it

/**
 * A customer's rows of each sealed table (SQL over alias `t`, `$1` = customer id). Written out
 * rather than derived from `customerOf` so that each is an index lookup, not a scan.
 */
const CUSTOMER_ROWS: Record<string, string> = {
  customers: 't.id = $1',
  contacts: 't.customer_id = $1',
  transactions: 't.customer_id = $1',
  complaints: 't.customer_id = $1',
  contact_logs: 't.customer_id = $1',
  clear_access_grants: 't.customer_id = $1',
  complaint_events: 't.complaint_id IN (SELECT sc.id FROM complaints sc WHERE sc.customer_id = $1)',
};
for (const table of Object.keys(SEALED_TABLES)) if (!CUSTOMER_ROWS[table]) throw new Error(`rotation.ts: no customer-rows condition for sealed table ${table}`);

export interface DataKeyRotationOptions {
  /** Only this customer. */
  customerId?: string;
  /** Only keys neither created nor rotated in the last DAYS days (default 0: every key older than this run). */
  olderThanDays?: number;
  now?: Date;
  /** Stop after this many customers (an interrupted run; running again with the same --older-than continues). */
  maxCustomers?: number;
  lockTimeoutMs?: number;
  /** Passes over customers whose rows requests kept locked. */
  retries?: number;
}

export interface DataKeyRotationReport {
  cutoff: string;
  customers: number;
  rowsResealed: Record<string, number>;
  valuesResealed: number;
  /** Customers left for a later run: their rows stayed locked by requests through every retry. */
  busy: string[];
  /** Customers whose stored values did not open under their own key (not rotated; investigate). */
  failed: { customerId: string; error: string }[];
  /** Keys still older than the cutoff. */
  remaining: number;
  complete: boolean;
  seconds: number;
}

/** One customer, one transaction: lock the key row, re-seal every sealed value of theirs under a new key, store it. */
async function rotateCustomer(op: KeyOperator, customerId: string, cutoff: Date, lockTimeoutMs: number) {
  return op.db.transaction(async (tx) => {
    await tx.exec(`SET LOCAL lock_timeout = ${Math.floor(lockTimeoutMs)}`);
    // Locked first: a request sealing for this customer holds it shared until it commits (see Keyring.customerKey).
    const [key] = await tx.rows<{ kek_id: string; data_key: Buffer }>(
      `SELECT kek_id, data_key FROM keystore.customer_keys WHERE customer_id = $1 AND coalesce(data_key_rotated_at, created_at) < $2 FOR UPDATE`,
      [customerId, cutoff],
    );
    if (!key) return null; // erased meanwhile, or rotated by another run
    const provider = op.keyring.provider;
    const oldKey = await provider.unwrap(key.kek_id, key.data_key, wrappingPlace(customerId, 'data'));
    const newKey = newDataKey();
    const rows: Record<string, number> = {};
    let values = 0;
    try {
      for (const spec of Object.values(SEALED_TABLES)) {
        const columns = spec.fields.map((f) => `${f.column}_sealed`);
        const stored = await tx.rows<Record<string, Buffer | null> & { id: string }>(
          `SELECT t.id::text AS id, ${columns.map((c) => `t.${c}`).join(', ')} FROM ${spec.table} t WHERE ${CUSTOMER_ROWS[spec.table]} ORDER BY t.id FOR UPDATE OF t`,
          [customerId],
        );
        if (stored.length === 0) continue;
        const resealed = spec.fields.map((field) =>
          stored.map((row) => {
            const sealed = row[`${field.column}_sealed`];
            if (!sealed) return null;
            values++;
            // Same place (table, column, row): only the key changes; masked form and blind index stay.
            const place = placeOf(spec.table, field.column, row.id);
            return seal(newKey, open(oldKey, sealed, place), place);
          }),
        );
        await tx.exec(
          `UPDATE ${spec.table} t SET ${columns.map((c) => `${c} = v.${c}`).join(', ')}
           FROM unnest($1::uuid[], ${columns.map((_, i) => `$${i + 2}::bytea[]`).join(', ')}) AS v(id, ${columns.join(', ')}) WHERE t.id = v.id`,
          [stored.map((row) => row.id), ...resealed],
        );
        rows[spec.table] = stored.length;
      }
      const wrapped = await provider.wrap(newKey, wrappingPlace(customerId, 'data'));
      await tx.exec(`UPDATE keystore.customer_keys SET kek_id = $2, data_key = $3, data_key_rotated_at = now() WHERE customer_id = $1`, [customerId, wrapped.kekId, wrapped.wrapped]);
      const counts = Object.entries(rows).map(([table, n]) => `${table} ${n}`).join(', ') || 'none';
      await record(tx, customerId, 'UPDATE', `data key rotated: ${values} values re-sealed in rows of ${counts}; new key wrapped under ${wrapped.kekId}`, customerId);
    } finally {
      oldKey.fill(0);
      newKey.fill(0);
    }
    return { rows, values };
  });
}

/**
 * The history key is not rotated here: change-history ciphertext is bound by the hash chain (re-sealing
 * it would change what the chain vouches for), and it is destroyed with the data key on erasure.
 */
export async function rotateDataKeys(op: KeyOperator, options: DataKeyRotationOptions = {}): Promise<DataKeyRotationReport> {
  const started = Date.now();
  const cutoff = new Date((options.now ?? new Date()).getTime() - (options.olderThanDays ?? 0) * 86_400_000);
  const lockTimeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;
  const report: DataKeyRotationReport = { cutoff: cutoff.toISOString(), customers: 0, rowsResealed: {}, valuesResealed: 0, busy: [], failed: [], remaining: 0, complete: false, seconds: 0 };
  const due = <R extends { id: string } | { n: number }>(select: string, extra: string, values: unknown[]) =>
    op.db.rows<R>(
      `SELECT ${select} FROM keystore.customer_keys WHERE coalesce(data_key_rotated_at, created_at) < $1 ${options.customerId ? 'AND customer_id = $2' : ''} ${extra}`,
      [cutoff, ...(options.customerId ? [options.customerId] : []), ...values],
    );
  let stopped = false;
  const attempt = async (customerId: string, busy: string[]) => {
    try {
      const done = await rotateCustomer(op, customerId, cutoff, lockTimeoutMs);
      if (!done) return;
      report.customers++;
      report.valuesResealed += done.values;
      for (const [table, n] of Object.entries(done.rows)) report.rowsResealed[table] = (report.rowsResealed[table] ?? 0) + n;
    } catch (error) {
      if (isLockConflict(error)) busy.push(customerId);
      else report.failed.push({ customerId, error: error instanceof Error ? error.message : String(error) });
    }
    if (options.maxCustomers !== undefined && report.customers >= options.maxCustomers) stopped = true;
  };
  let busy: string[] = [];
  // Keyset pages in customer order; a failed customer stays due, so the page start moves past it explicitly.
  let after = '00000000-0000-0000-0000-000000000000';
  while (!stopped) {
    const page = await due<{ id: string }>('customer_id::text AS id', `AND customer_id > $${options.customerId ? 3 : 2} ORDER BY customer_id LIMIT 500`, [after]);
    if (page.length === 0) break;
    for (const { id } of page) {
      await attempt(id, busy);
      if (stopped) break;
    }
    after = page[page.length - 1].id;
  }
  for (let pass = 0; pass < (options.retries ?? 3) && busy.length > 0 && !stopped; pass++) {
    const again = busy;
    busy = [];
    for (const id of again) {
      if (stopped) busy.push(id);
      else await attempt(id, busy);
    }
  }
  report.busy = busy;
  report.remaining = (await due<{ n: number }>('count(*)::int AS n', '', []))[0].n;
  report.complete = report.remaining === 0;
  report.seconds = (Date.now() - started) / 1000;
  return report;
}

// ---------------------------------------------------------------------------------------------
// seal: plaintext an older version left, sealed in batches

export async function sealAndRecord(op: KeyOperator, pool: Pool): Promise<SealReport> {
  const report = await sealPlaintext(pool, op.keyring);
  const rows = Object.entries(report.rowsSealed).map(([table, n]) => `${table} ${n}`).join(', ');
  await op.db.transaction((tx) => record(tx, 'plaintext', 'UPDATE', `sealed plaintext left by an older version: rows of ${rows}; ${report.customerKeysCreated} customer keys created`));
  return report;
}
