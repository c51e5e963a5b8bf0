/**
 * `npm run audit:verify`: recomputes every record's hash in sequence order, checks the links,
 * the signed checkpoints (in the database and in the file outside it) and the writer's head,
 * and names the first broken link of each stream.
 */
import type { Pool } from 'pg';
import { chainHash, GENESIS_HASH, selectList, type ChainedRow, type Stream } from './chain';
import { checkpointSignatureValid, databaseCheckpoints, fileCheckpoints, registerId, type Checkpoint } from './checkpoints';
import type { VerifyKey } from './keys';

const BATCH = 5000;

export interface BrokenLink {
  seq: string;
  problem: string;
}

export interface StreamReport {
  stream: Stream;
  records: number;
  firstSeq: string | null;
  lastSeq: string | null;
  checkpointsChecked: number;
  broken: BrokenLink | null;
}

export interface VerifyReport {
  ok: boolean;
  registerId: string;
  streams: StreamReport[];
  /** Problems with the checkpoints themselves (bad signature, unreadable file lines). */
  checkpointProblems: string[];
}

interface StreamCheckpoints {
  valid: Checkpoint[];
}

async function verifyStream(pool: Pool, stream: Stream, checkpoints: StreamCheckpoints): Promise<StreamReport> {
  const table = stream === 'access' ? 'audit_access' : 'audit_changes';
  const report: StreamReport = { stream, records: 0, firstSeq: null, lastSeq: null, checkpointsChecked: 0, broken: null };
  const bySeq = new Map<string, Checkpoint[]>();
  for (const c of checkpoints.valid) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c]);
  const fail = (seq: string, problem: string) => {
    report.broken ??= { seq, problem };
  };

  let expectedSeq: bigint | null = null;
  let prevHash: Buffer | null = null;
  let after = '0';
  for (;;) {
    const { rows } = await pool.query<ChainedRow & { hash: Buffer }>(`SELECT ${selectList(stream)} FROM ${table} r WHERE r.seq > $1 ORDER BY r.seq LIMIT ${BATCH}`, [after]);
    for (const row of rows) {
      const seq = BigInt(row.seq);
      if (expectedSeq === null) {
        report.firstSeq = row.seq;
        // The chain starts at 1 with the genesis hash, or right after a signed retention anchor.
        const anchor = (bySeq.get((seq - 1n).toString()) ?? []).find((c) => c.kind === 'RETENTION' && c.hash === row.prevHash.toString('hex'));
        if (seq !== 1n && !anchor) fail(row.seq, `records before seq ${row.seq} are missing (no signed retention anchor at seq ${seq - 1n})`);
        if (seq === 1n && !row.prevHash.equals(GENESIS_HASH)) fail(row.seq, 'the first record does not link to the genesis hash');
        prevHash = row.prevHash;
      } else if (seq !== expectedSeq) {
        fail(row.seq, `records ${expectedSeq}..${seq - 1n} are missing`);
      }
      if (!row.prevHash.equals(prevHash!)) fail(row.seq, 'prev_hash does not match the previous record');
      const recomputed = chainHash(row.prevHash, row);
      if (!recomputed.equals(row.hash)) fail(row.seq, 'the record was altered: its hash does not match its contents');
      for (const c of bySeq.get(row.seq) ?? []) {
        if (c.kind !== 'HEAD') continue;
        report.checkpointsChecked += 1;
        if (c.hash !== row.hash.toString('hex')) fail(row.seq, `differs from the checkpoint signed at ${c.signedAt}`);
      }
      prevHash = row.hash;
      expectedSeq = seq + 1n;
      report.lastSeq = row.seq;
      report.records += 1;
    }
    if (rows.length < BATCH) break;
    after = rows[rows.length - 1].seq;
  }

  // With every record dropped by retention, the chain "ends" at the newest retention anchor.
  const anchors = checkpoints.valid.filter((c) => c.kind === 'RETENTION').map((c) => BigInt(c.seq));
  const last = report.lastSeq !== null ? BigInt(report.lastSeq) : anchors.reduce((a, b) => (b > a ? b : a), 0n);
  const beyond = checkpoints.valid.filter((c) => BigInt(c.seq) > last).sort((a, b) => (BigInt(b.seq) > BigInt(a.seq) ? 1 : -1))[0];
  if (beyond) fail((last + 1n).toString(), `the chain ends at seq ${last} but a checkpoint signed at ${beyond.signedAt} covers seq ${beyond.seq}: records were cut from the tail`);
  const { rows: heads } = await pool.query<{ seq: string }>(`SELECT seq FROM audit_chain_heads WHERE stream = $1`, [stream]);
  if (heads[0] && BigInt(heads[0].seq) !== last) fail((last + 1n).toString(), `the writer's head is at seq ${heads[0].seq} but the chain ends at seq ${last}`);
  return report;
}

export async function verifyRegister(pool: Pool, keys: VerifyKey[], checkpointFile: string): Promise<VerifyReport> {
  const id = await registerId(pool);
  const checkpointProblems: string[] = [];
  const fromFile = fileCheckpoints(checkpointFile, id);
  for (const line of fromFile.unreadableLines) checkpointProblems.push(`${checkpointFile}:${line} is not a checkpoint`);
  const all = [...(await databaseCheckpoints(pool, id)).map((c) => ({ c, where: 'database' })), ...fromFile.checkpoints.map((c) => ({ c, where: checkpointFile }))];
  const valid: Checkpoint[] = [];
  for (const { c, where } of all) {
    if (checkpointSignatureValid(c, keys)) valid.push(c);
    else checkpointProblems.push(`checkpoint (${where}) for ${c.stream} seq ${c.seq} has no valid signature by a trusted key`);
  }
  const streams: StreamReport[] = [];
  for (const stream of ['access', 'change'] as const) {
    streams.push(await verifyStream(pool, stream, { valid: valid.filter((c) => c.stream === stream) }));
  }
  return { ok: checkpointProblems.length === 0 && streams.every((s) => !s.broken), registerId: id, streams, checkpointProblems };
}
