/**
 * Opaque cursors that encode only a record's key and the kind of list it came from — never a
 * sort value (a name or an amount in a cursor would leak it) — and encrypted (AES-256-GCM, the
 * list as associated data): a key is itself an identifier (an analyst, who is shown no customer id,
 * must not read one out of a cursor), and a cursor of another list or a forged one decrypts to nothing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { badUserInput, isUuid } from '../input-errors';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Until the server configures its key (shared by every process), one of this process's own. */
let key: Buffer = randomBytes(32);

/** The cursor key, derived by the server from a secret every process shares (see src/server/app.ts). */
export function configureCursorKey(secret: Buffer): void {
  if (secret.length !== 32) throw new Error('the cursor key must be 32 bytes');
  key = secret;
}

export function encodeCursor(list: string, id: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(list, 'utf8'));
  const body = Buffer.concat([cipher.update(id, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** The record id in `cursor`, checked to come from the same kind of list. */
export function decodeCursor(list: string, cursor: string, field = 'after'): string {
  const refuse = () => badUserInput(field, `not a cursor of this list (${list})`);
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) throw refuse();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(list, 'utf8'));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    const id = Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    if (!isUuid(id)) throw refuse();
    return id;
  } catch {
    throw refuse();
  }
}
