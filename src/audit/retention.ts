/**
 * `npm run audit:maintain`: creates the coming months' partitions and drops access-register
 * months older than the retention period. Before a drop, a signed RETENTION checkpoint anchors
 * the chain's new first record, so verification still proves nothing else went missing. The
 * change history is not dropped here: it is kept as long as the customer records it explains.
 * Runs as the migrating (owner) user: the app's role cannot drop partitions.
 */
import type { Pool } from 'pg';
import { MIN_RETENTION_MONTHS } from '../config';
import { registerId, saveCheckpoint, signCheckpoint } from './checkpoints';
import type { SigningKey } from './keys';
import { verifyRegister } from './verify';

export interface RetentionResult {
  partitionsCreated: number;
  dropped: string[];
  /** Expired months kept because a later month still holds records that precede them in the chain. */
  kept: string[];
  cutoff: string;
}

/** First day (UTC) of the oldest month still inside the retention period. */
export function retentionCutoff(months: number, now = new Date()): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
}

export async function applyRetention(pool: Pool, months: number, key: SigningKey, checkpointFile: string, now = new Date()): Promise<RetentionResult> {
  if (!Number.isInteger(months) || months < MIN_RETENTION_MONTHS) throw new Error(`retention must be at least ${MIN_RETENTION_MONTHS} months (PIPL art. 56)`);
  const [{ created }] = (await pool.query<{ created: number }>('SELECT audit_ensure_partitions(2) AS created')).rows;
  const cutoff = retentionCutoff(months, now);
  const { rows: partitions } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'audit_access'::regclass AND c.relname ~ '^audit_access_[0-9]{4}_[0-9]{2}$' ORDER BY c.relname`,
  );
  // audit_access_YYYY_MM: a month that starts before the cutoff (itself a month start) ends by it.
  const monthStart = (name: string) => new Date(Date.UTC(Number(name.slice(13, 17)), Number(name.slice(18, 20)) - 1, 1));
  const expired = partitions.map((p) => p.name).filter((name) => monthStart(name) < cutoff);
  const result: RetentionResult = { partitionsCreated: created, dropped: [], kept: [], cutoff: cutoff.toISOString() };
  if (expired.length === 0) return result;

  const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const maxSeq = async (names: string[]) => {
    const union = names.map((n) => `SELECT max(seq) AS seq FROM ${quoted(n)}`).join(' UNION ALL ');
    return (await pool.query<{ seq: string | null }>(`SELECT max(seq)::text AS seq FROM (${union}) m`)).rows[0].seq;
  };
  // Never anchor over a broken chain: the anchor would make earlier tampering unprovable.
  const verified = await verifyRegister(pool, [{ key: key.key, keyId: key.keyId }], checkpointFile);
  const accessReport = verified.streams.find((s) => s.stream === 'access');
  if (accessReport?.broken) throw new Error(`retention refused: the access register is broken at seq ${accessReport.broken.seq} (${accessReport.broken.problem})`);
  const expiredMax = await maxSeq(expired);
  const { rows: [first] } = await pool.query<{ seq: string; prevHash: Buffer }>(
    // ORDER BY the column, not the text alias of the same name ('10' sorts before '4').
    `SELECT a.seq::text AS seq, a.prev_hash AS "prevHash" FROM audit_access a WHERE a.occurred_at >= $1 ORDER BY a.seq LIMIT 1`,
    [cutoff],
  );
  // Dropping is safe only when every remaining record comes after every dropped one in the chain.
  if (first && expiredMax !== null && BigInt(first.seq) <= BigInt(expiredMax)) {
    result.kept = expired;
    return result;
  }
  if (first && expiredMax !== null && BigInt(first.seq) !== BigInt(expiredMax) + 1n) {
    throw new Error(`retention refused: the first kept record (seq ${first.seq}) does not follow the last dropped one (seq ${expiredMax})`);
  }
  if (expiredMax !== null) {
    const anchor = first
      ? { seq: (BigInt(first.seq) - 1n).toString(), hash: first.prevHash.toString('hex') }
      : (await pool.query<{ seq: string; hash: Buffer }>(`SELECT seq::text, hash FROM audit_chain_heads WHERE stream = 'access'`)).rows.map((h) => ({ seq: h.seq, hash: h.hash.toString('hex') }))[0];
    await saveCheckpoint(pool, checkpointFile, signCheckpoint(key, { registerId: await registerId(pool), stream: 'access', kind: 'RETENTION', seq: anchor.seq, hash: anchor.hash, signedAt: now.toISOString() }));
  }
  for (const name of expired) {
    await pool.query(`DROP TABLE ${quoted(name)}`);
    result.dropped.push(name);
  }
  return result;
}
