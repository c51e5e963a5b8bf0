/** Secrets kept outside the database: AUTH_SECRET (HS256), or one generated once and kept in $DATA_DIR. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const MIN_SECRET_BYTES = 32;

export function loadSigningSecret(configured: string | undefined, dataDir: string): Uint8Array {
  if (configured !== undefined) {
    const bytes = new TextEncoder().encode(configured);
    if (bytes.length < MIN_SECRET_BYTES) throw new Error(`AUTH_SECRET must be at least ${MIN_SECRET_BYTES} bytes`);
    return bytes;
  }
  const file = path.join(dataDir, 'auth-secret');
  return new TextEncoder().encode(readOrCreateSecretFile(file, () => randomBytes(48).toString('base64url')).trim());
}

/** Reads a secret kept in a file (mode 0600), creating it with `make()` the first time. */
export function readOrCreateSecretFile(file: string, make: () => string): string {
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o711 });
    // 'wx' fails if another process created it first; then we read theirs.
    try {
      writeFileSync(file, make(), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(file, 'utf8');
}
