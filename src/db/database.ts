/** Where the database is: DATABASE_URL when set, otherwise the embedded cluster. */
import type { AppConfig } from '../config';
import type { Logger } from '../logger';
import { startEmbeddedPostgres } from './embedded';

export interface DatabaseLocation {
  url: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export async function locateDatabase(config: AppConfig, log: Logger): Promise<DatabaseLocation> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  const cluster = await startEmbeddedPostgres({ dataDir: config.dataDir, log });
  return { url: cluster.url, embedded: true, stop: cluster.stop };
}
