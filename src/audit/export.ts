/**
 * Exports a time range of one register stream as NDJSON or CSV, streamed (bounded memory). Records
 * go out as stored — the change history's sealed parts as ciphertext — so the chain recomputes from
 * the export alone, and a copy outlives no erasure: without the customer's history key it opens nothing.
 */
import { once } from 'node:events';
import { stringify } from 'csv-stringify/sync';
import type { Pool } from 'pg';
import QueryStream from 'pg-query-stream';
import { selectList, STREAM_TABLES, type Stream } from './chain';

export interface ExportRequest {
  stream: Stream;
  from: Date;
  to: Date;
  format: 'ndjson' | 'csv';
}

/** Bytes as hex, times as ISO 8601: the same text the hash chain covers. */
export function exportable(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('hex') : v instanceof Date ? v.toISOString() : v]),
  );
}

export async function exportRegister(pool: Pool, request: ExportRequest, out: NodeJS.WritableStream): Promise<number> {
  const spec = STREAM_TABLES[request.stream];
  const columns = [...Object.values(spec.columns).map((c) => c.property), 'hash'];
  // CSV cells: arrays and objects as JSON text.
  const csvCell = (v: unknown) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v);
  const line =
    request.format === 'ndjson'
      ? (record: Record<string, unknown>) => `${JSON.stringify(record)}\n`
      : (record: Record<string, unknown>) => stringify([columns.map((c) => csvCell(record[c]))]);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  if (request.format === 'csv') await write(stringify([columns]));
  const client = await pool.connect();
  let count = 0;
  try {
    const rows = client.query(
      new QueryStream(`SELECT ${selectList(request.stream)} FROM ${spec.table} r WHERE r.occurred_at >= $1 AND r.occurred_at < $2 ORDER BY r.occurred_at, r.seq`, [request.from, request.to], { batchSize: 1000 }),
    );
    for await (const row of rows as AsyncIterable<Record<string, unknown>>) {
      count += 1;
      await write(line(exportable(row)));
    }
  } finally {
    client.release();
  }
  return count;
}
