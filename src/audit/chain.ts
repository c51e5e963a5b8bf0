/**
 * The hash chain under both registers (CloudTrail's digest idea, per record): every record
 * carries the previous record's hash, and its own hash = SHA-256(prev_hash ‖ canonical record).
 * The canonical form is RFC 8785 (JSON Canonicalization Scheme) of the stored columns, so an
 * auditor can recompute it with any JCS implementation.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { QueryResultRow } from 'pg';

export const GENESIS_HASH = Buffer.alloc(32);

export type Stream = 'access' | 'change';

/** Column (snake_case) → property (camelCase) of one stream's table; `json` columns are stored as jsonb. */
export interface StreamTable {
  table: string;
  columns: Record<string, { property: string; json?: boolean }>;
}

/** Columns both streams have: the chain and who acted. */
const COMMON = {
  seq: { property: 'seq' },
  occurred_at: { property: 'occurredAt' },
  prev_hash: { property: 'prevHash' },
  request_id: { property: 'requestId' },
  principal_sub: { property: 'principalSub' },
  principal_role: { property: 'principalRole' },
  token_id: { property: 'tokenId' },
  partner_id: { property: 'partnerId' },
  operation_name: { property: 'operationName' },
};

export const STREAM_TABLES: Record<Stream, StreamTable> = {
  access: {
    table: 'audit_access',
    columns: {
      ...COMMON,
      purpose: { property: 'purpose' },
      client_address: { property: 'clientAddress' },
      operation_type: { property: 'operationType' },
      document_hash: { property: 'documentHash' },
      fields: { property: 'fields', json: true },
      customers_clear: { property: 'customersClear' },
      customers_masked: { property: 'customersMasked' },
      clear_values: { property: 'clearValues' },
      masked_values: { property: 'maskedValues' },
      removed_values: { property: 'removedValues' },
      outcome: { property: 'outcome' },
      error_codes: { property: 'errorCodes' },
      duration_us: { property: 'durationUs' },
    },
  },
  change: {
    table: 'audit_changes',
    columns: {
      ...COMMON,
      entity: { property: 'entity' },
      entity_id: { property: 'entityId' },
      customer_id: { property: 'customerId' },
      action: { property: 'action' },
      changes: { property: 'changes', json: true },
    },
  },
};

/** A record as stored and as read back: `seq` and 64-bit counts as decimal strings (as pg returns int8). */
export interface ChainedRow {
  seq: string;
  occurredAt: Date;
  prevHash: Buffer;
  [column: string]: unknown;
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return value.toString('hex');
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v)]));
  }
  return value;
}

/** The bytes a record's hash covers: every stored column except `hash` itself, canonicalised. */
export function canonicalRecord(row: ChainedRow): Buffer {
  const { hash: _hash, ...rest } = row as ChainedRow & { hash?: unknown };
  const text = canonicalize(normalise(rest));
  if (text === undefined) throw new Error('record cannot be canonicalised');
  return Buffer.from(text, 'utf8');
}

export function chainHash(prevHash: Buffer, row: ChainedRow): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalRecord(row)).digest();
}

/** SELECT list reading a stream's rows back in the stored shape (hash included). */
export function selectList(stream: Stream, alias = 'r'): string {
  const columns = Object.entries(STREAM_TABLES[stream].columns).map(([column, { property }]) => `${alias}.${column} AS "${property}"`);
  return [...columns, `${alias}.hash AS "hash"`].join(', ');
}

interface SqlExec {
  rows<R extends QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
}

/**
 * Appends records to a stream inside the caller's transaction: the head row's lock orders
 * appenders across processes, so the chain stays one line however many servers write.
 */
export async function appendToChain(
  tx: SqlExec,
  stream: Stream,
  records: Omit<ChainedRow, 'seq' | 'prevHash'>[],
  /** Completes a record once its sequence number is known, before it is hashed (the change history seals with it). */
  complete: (row: ChainedRow, index: number) => ChainedRow = (row) => row,
): Promise<(ChainedRow & { hash: Buffer })[]> {
  if (records.length === 0) return [];
  const spec = STREAM_TABLES[stream];
  const [head] = await tx.rows<{ seq: string; hash: Buffer }>(`SELECT seq, hash FROM audit_chain_heads WHERE stream = $1 FOR UPDATE`, [stream]);
  if (!head) throw new Error(`audit chain head for ${stream} is missing`);
  let seq = BigInt(head.seq);
  let prevHash = head.hash;
  const chained = records.map((record, index) => {
    seq += 1n;
    const row = complete({ ...record, seq: seq.toString(), prevHash } as ChainedRow, index);
    const hash = chainHash(prevHash, row);
    prevHash = hash;
    return { ...row, hash };
  });
  const columns = [...Object.keys(spec.columns), 'hash'];
  const values: unknown[] = [];
  const tuples = chained.map((row) => {
    const placeholders = columns.map((column) => {
      const def = spec.columns[column];
      const value = def ? (row as Record<string, unknown>)[def.property] : row.hash;
      // pg turns JS arrays into PostgreSQL arrays; jsonb columns get their JSON text instead.
      values.push(def?.json ? JSON.stringify(value) : value);
      return `$${values.length}`;
    });
    return `(${placeholders.join(', ')})`;
  });
  await tx.rows(`INSERT INTO ${spec.table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`, values);
  await tx.rows(`UPDATE audit_chain_heads SET seq = $2, hash = $3 WHERE stream = $1`, [stream, seq.toString(), prevHash]);
  return chained;
}
