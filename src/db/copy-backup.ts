/**
 * The built-in logical backup, for when no pg_dump is new enough for the server: every table of
 * the given schemas streamed out with COPY (pg-copy-streams), one gzip file each, inside the
 * caller's snapshot; restored with COPY FROM into a freshly migrated database of the same version.
 * Partitions (the audit register's months) are recreated from their bounds; sequences set again.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { escapeIdentifier, type ClientBase } from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';

export interface BackupFile {
  name: string;
  bytes: number;
  sha256: string;
}

export interface CopiedTable {
  schema: string;
  table: string;
  file: string;
  columns: string[];
  rows: number;
  /** Set for a partition: recreated from this when the restored database lacks it. */
  partition: { parent: string; bound: string; triggers: string[] } | null;
}

export interface CopiedSequence {
  schema: string;
  sequence: string;
  lastValue: string;
  isCalled: boolean;
}

export const qualified = (schema: string, name: string) => `${escapeIdentifier(schema)}.${escapeIdentifier(name)}`;
const fileNameOf = (schema: string, table: string) => `${schema}.${table}.copy.gz`.replace(/[^A-Za-z0-9_.-]/g, '_');

/** Hashes and counts what passes through (the bytes written to the file). */
function hashing(entry: BackupFile): Transform {
  const hash = createHash('sha256');
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      entry.bytes += chunk.length;
      done(null, chunk);
    },
    flush(done) {
      entry.sha256 = hash.digest('hex');
      done();
    },
  });
}

interface TableRow {
  schema: string;
  table: string;
  columns: string[];
  parent: string | null;
  parent_schema: string | null;
  bound: string | null;
  triggers: string[];
}

/** Copies every table of `schemas` into `dir`; `client` is inside the snapshot the backup is of. */
export async function copyOut(client: ClientBase, schemas: string[], dir: string): Promise<{ tables: CopiedTable[]; sequences: CopiedSequence[]; files: BackupFile[] }> {
  const { rows } = await client.query<TableRow>(
    `SELECT n.nspname AS schema, c.relname AS table,
            ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum) AS columns,
            p.relname AS parent, pn.nspname AS parent_schema,
            CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END AS bound,
            ARRAY(SELECT pg_get_triggerdef(t.oid) FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal AND t.tgparentid = 0 ORDER BY t.tgname) AS triggers
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND c.relispartition
     LEFT JOIN pg_class p ON p.oid = i.inhparent LEFT JOIN pg_namespace pn ON pn.oid = p.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = ANY($1) ORDER BY n.nspname, c.relname`,
    [schemas],
  );
  const tables: CopiedTable[] = [];
  const files: BackupFile[] = [];
  for (const row of rows) {
    const file: BackupFile = { name: fileNameOf(row.schema, row.table), bytes: 0, sha256: '' };
    const source = client.query(copyTo(`COPY ${qualified(row.schema, row.table)} (${row.columns.map(escapeIdentifier).join(', ')}) TO STDOUT`));
    await pipeline(source, createGzip(), hashing(file), createWriteStream(path.join(dir, file.name), { mode: 0o600 }));
    files.push(file);
    tables.push({
      schema: row.schema,
      table: row.table,
      file: file.name,
      columns: row.columns,
      rows: source.rowCount,
      partition: row.parent ? { parent: qualified(row.parent_schema!, row.parent), bound: row.bound!, triggers: row.triggers } : null,
    });
  }
  const sequences: CopiedSequence[] = [];
  const { rows: names } = await client.query<{ schema: string; sequence: string }>(
    `SELECT schemaname AS schema, sequencename AS sequence FROM pg_sequences WHERE schemaname = ANY($1) ORDER BY 1, 2`,
    [schemas],
  );
  for (const { schema, sequence } of names) {
    const { rows: [state] } = await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${qualified(schema, sequence)}`);
    sequences.push({ schema, sequence, lastValue: state.last_value, isCalled: state.is_called });
  }
  return { tables, sequences, files };
}

/**
 * Loads tables copied by `copyOut` into a database that has their definitions (freshly migrated to
 * the same version), replacing whatever the migrations put in them. One transaction; triggers and
 * foreign-key checks off meanwhile (session_replication_role: the restoring user is a superuser),
 * as the rows are the backup's own, consistent snapshot.
 */
export async function copyIn(client: ClientBase, dir: string, tables: CopiedTable[], sequences: CopiedSequence[]): Promise<number> {
  let rows = 0;
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL session_replication_role = replica');
    for (const table of tables) {
      const name = qualified(table.schema, table.table);
      const { rows: [{ present }] } = await client.query<{ present: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
      if (!present) {
        if (!table.partition) throw new Error(`table ${table.schema}.${table.table} of the backup is not in the restored database: restore with the version that made the backup`);
        await client.query(`CREATE TABLE ${name} PARTITION OF ${table.partition.parent} ${table.partition.bound}`);
        for (const trigger of table.partition.triggers) await client.query(trigger);
      }
      await client.query(`DELETE FROM ONLY ${name}`);
      const sink = client.query(copyFrom(`COPY ${name} (${table.columns.map(escapeIdentifier).join(', ')}) FROM STDIN`));
      await pipeline(createReadStream(path.join(dir, table.file)), createGunzip(), sink);
      rows += sink.rowCount;
    }
    for (const s of sequences) await client.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [qualified(s.schema, s.sequence), s.lastValue, s.isCalled]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return rows;
}

/** SHA-256 and size of a file (verification before a restore). */
export async function fileDigest(file: string): Promise<BackupFile> {
  const entry: BackupFile = { name: path.basename(file), bytes: 0, sha256: '' };
  await pipeline(createReadStream(file), hashing(entry), new Transform({ transform: (_chunk, _encoding, done) => done() }));
  return entry;
}
