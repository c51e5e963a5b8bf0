/**
 * The DataSource for the TypeORM CLI (typeorm sample/playground style). It connects to
 * DATABASE_URL, or to the embedded PostgreSQL of $DATA_DIR while the server runs.
 * The application itself builds its DataSource through src/db/data-source.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from './src/config';
import { createDataSource } from './src/db/data-source';
import { clusterUrl, runningClusterPort } from './src/db/embedded';

function resolveUrl(): string {
  const config = loadConfig();
  if (config.databaseUrl) return config.databaseUrl;
  const port = runningClusterPort(path.join(config.dataDir, 'pg'));
  if (port === null) {
    throw new Error('ormconfig.ts: set DATABASE_URL, or start the server (npm start) so its embedded PostgreSQL is running');
  }
  return clusterUrl(readFileSync(path.join(config.dataDir, 'pg-password'), 'utf8').trim(), port);
}

export default createDataSource(resolveUrl());
