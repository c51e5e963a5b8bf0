/** The audit register as the server uses it: the access writer, the change history's hasher, checkpoints. */
import type { Pool } from 'pg';
import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import { AccessWriter } from './access-writer';
import { startCheckpointTimer } from './checkpoints';
import { loadSigningKey, loadValueHasher, type ValueHasher } from './keys';

export interface AuditServices {
  writer: AccessWriter;
  hashValue: ValueHasher;
  /** Waits for pending records, signs a last checkpoint. Call before closing the pool. */
  stop(): Promise<void>;
}

export async function startAudit(config: AppConfig, pool: Pool, log: Logger): Promise<AuditServices> {
  // Months ahead of now, so the first request of a month finds its partition.
  await pool.query('SELECT audit_ensure_partitions(2)');
  const writer = new AccessWriter(pool, log);
  const signingKey = loadSigningKey(config);
  const checkpoints = startCheckpointTimer(pool, signingKey, config.audit.checkpointFile, config.audit.checkpointSeconds, (error) =>
    log.error({ err: { message: (error as Error).message } }, 'audit checkpoint failed'),
  );
  return {
    writer,
    hashValue: loadValueHasher(config),
    async stop() {
      await writer.idle();
      await checkpoints.stop();
    },
  };
}
