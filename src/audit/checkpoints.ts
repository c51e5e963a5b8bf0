/**
 * Signed checkpoints of the chain heads, in the database and appended to a file outside it:
 * a record removed from the tail leaves a checkpoint that names a sequence number the chain
 * no longer reaches (CloudTrail's digest files do the same for missing log files).
 */
import { sign, verify } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import canonicalize from 'canonicalize';
import type { Pool } from 'pg';
import type { Stream } from './chain';
import type { SigningKey, VerifyKey } from './keys';

export type CheckpointKind = 'HEAD' | 'RETENTION';

export interface Checkpoint {
  registerId: string;
  stream: Stream;
  kind: CheckpointKind;
  seq: string;
  hash: string;
  signedAt: string;
  keyId: string;
  /** Ed25519 over the JCS form of every other property, base64. */
  signature: string;
}

const STREAMS: Stream[] = ['access', 'change'];

function signedBytes(checkpoint: Omit<Checkpoint, 'signature'>): Buffer {
  const { registerId, stream, kind, seq, hash, signedAt, keyId } = checkpoint;
  return Buffer.from(canonicalize({ registerId, stream, kind, seq, hash, signedAt, keyId })!, 'utf8');
}

export function signCheckpoint(key: SigningKey, body: Omit<Checkpoint, 'signature' | 'keyId'>): Checkpoint {
  const unsigned = { ...body, keyId: key.keyId };
  return { ...unsigned, signature: sign(null, signedBytes(unsigned), key.privateKey).toString('base64') };
}

export function checkpointSignatureValid(checkpoint: Checkpoint, keys: VerifyKey[]): boolean {
  const key = keys.find((k) => k.keyId === checkpoint.keyId);
  if (!key || typeof checkpoint.signature !== 'string') return false;
  return verify(null, signedBytes(checkpoint), key.key, Buffer.from(checkpoint.signature, 'base64'));
}

export async function registerId(pool: Pool): Promise<string> {
  const { rows } = await pool.query<{ id: string }>(`SELECT id FROM audit_register ORDER BY created_at LIMIT 1`);
  if (!rows[0]) throw new Error('the audit register has no id: run the migrations');
  return rows[0].id;
}

/** Stores a checkpoint in the database and appends it to the file outside it. */
export async function saveCheckpoint(pool: Pool, file: string, checkpoint: Checkpoint): Promise<void> {
  await pool.query(
    `INSERT INTO audit_checkpoints (stream, kind, seq, hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [checkpoint.stream, checkpoint.kind, checkpoint.seq, Buffer.from(checkpoint.hash, 'hex'), new Date(checkpoint.signedAt), checkpoint.keyId, Buffer.from(checkpoint.signature, 'base64')],
  );
  mkdirSync(path.dirname(file), { recursive: true });
  // One short line per append (O_APPEND): lines from several processes do not interleave.
  appendFileSync(file, `${JSON.stringify(checkpoint)}\n`, { mode: 0o640 });
}

/** Signs the current head of each stream that moved since `since` (seq per stream); returns the new heads. */
export async function checkpointHeads(pool: Pool, key: SigningKey, file: string, since: Partial<Record<Stream, string>> = {}): Promise<Checkpoint[]> {
  const id = await registerId(pool);
  const { rows } = await pool.query<{ stream: Stream; seq: string; hash: Buffer }>(`SELECT stream, seq, hash FROM audit_chain_heads ORDER BY stream`);
  const made: Checkpoint[] = [];
  for (const head of rows) {
    if (!STREAMS.includes(head.stream) || head.seq === '0' || since[head.stream] === head.seq) continue;
    const checkpoint = signCheckpoint(key, {
      registerId: id,
      stream: head.stream,
      kind: 'HEAD',
      seq: head.seq,
      hash: head.hash.toString('hex'),
      signedAt: new Date().toISOString(),
    });
    await saveCheckpoint(pool, file, checkpoint);
    made.push(checkpoint);
  }
  return made;
}

export async function databaseCheckpoints(pool: Pool, id: string): Promise<Checkpoint[]> {
  const { rows } = await pool.query<{ stream: Stream; kind: CheckpointKind; seq: string; hash: Buffer; signedAt: Date; keyId: string; signature: Buffer }>(
    `SELECT stream, kind, seq, hash, signed_at AS "signedAt", key_id AS "keyId", signature FROM audit_checkpoints ORDER BY id`,
  );
  return rows.map((r) => ({
    registerId: id,
    stream: r.stream,
    kind: r.kind,
    seq: r.seq,
    hash: r.hash.toString('hex'),
    signedAt: r.signedAt.toISOString(),
    keyId: r.keyId,
    signature: r.signature.toString('base64'),
  }));
}

/** The file's checkpoints for this register (other registers' lines are skipped; unreadable lines are reported). */
export function fileCheckpoints(file: string, id: string): { checkpoints: Checkpoint[]; unreadableLines: number[] } {
  if (!existsSync(file)) return { checkpoints: [], unreadableLines: [] };
  const checkpoints: Checkpoint[] = [];
  const unreadableLines: number[] = [];
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (!line.trim()) return;
      try {
        const parsed = JSON.parse(line) as Checkpoint;
        if (parsed.registerId === id) checkpoints.push(parsed);
      } catch {
        unreadableLines.push(i + 1);
      }
    });
  return { checkpoints, unreadableLines };
}

/** Checkpoints the heads every `seconds` while the server runs, and once more when it stops. */
export function startCheckpointTimer(pool: Pool, key: SigningKey, file: string, seconds: number, onError: (error: unknown) => void) {
  const last: Partial<Record<Stream, string>> = {};
  const run = async () => {
    for (const c of await checkpointHeads(pool, key, file, last)) last[c.stream] = c.seq;
  };
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = running.then(run).catch(onError);
  };
  const timer = seconds > 0 ? setInterval(tick, seconds * 1000) : undefined;
  timer?.unref();
  return {
    async stop() {
      if (timer) clearInterval(timer);
      tick();
      await running;
    },
  };
}
