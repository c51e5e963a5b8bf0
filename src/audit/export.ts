/** Exports a time range of one register stream as NDJSON or CSV, streamed (bounded memory). */
import { stringify } from 'csv-stringify';
import type { Pool } from 'pg';
import QueryStream from 'pg-query-stream';
import { pipeline } from 'node:stream/promises';
import { Transform, type Writable } from 'node:stream';
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

export async function exportRegister(pool: Pool, request: ExportRequest, out: Writable | NodeJS.WritableStream): Promise<number> {
  const spec = STREAM_TABLES[request.stream];
  const client = await pool.connect();
  let count = 0;
  try {
    const rows = client.query(
      new QueryStream(`SELECT ${selectList(request.stream)} FROM ${spec.table} r WHERE r.occurred_at >= $1 AND r.occurred_at < $2 ORDER BY r.occurred_at, r.seq`, [request.from, request.to], { batchSize: 1000 }),
    );
    const toRecord = new Transform({
      objectMode: true,
      transform(row: Record<string, unknown>, _encoding, done) {
        count += 1;
        const record = exportable(row);
        if (request.format === 'ndjson') return done(null, `${JSON.stringify(record)}\n`);
        // CSV cells: arrays and objects as JSON text.
        done(null, Object.fromEntries(Object.entries(record).map(([k, v]) => [k, v !== null && typeof v === 'object' ? JSON.stringify(v) : v])));
      },
    });
    const columns = [...Object.values(spec.columns).map((c) => c.property), 'hash'];
    const stages = request.format === 'csv' ? [toRecord, stringify({ header: true, columns })] : [toRecord];
    await pipeline(rows, ...(stages as [Transform]), out as Writable, { end: false });
  } finally {
    client.release();
  }
  return count;
}
