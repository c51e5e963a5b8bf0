/**
 * Key-encryption keys (KEKs) wrap the customers' data keys. The default provider keeps them in a
 * key file outside the database (mode 0600, generated on first start); an HSM or KMS provider
 * implements the same interface (wrap and unwrap happen inside the device, keys never leave it).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { readOrCreateSecretFile } from '../auth/secret';
import { KEY_BYTES, open, seal } from './sealing';

export interface KeyEncryptionProvider {
  /** The KEK new and re-wrapped data keys are wrapped under. */
  currentKekId(): string;
  wrap(dataKey: Buffer, associatedData: string): Promise<{ kekId: string; wrapped: Buffer }>;
  unwrap(kekId: string, wrapped: Buffer, associatedData: string): Promise<Buffer>;
  /**
   * Where the KEK is local (a key file), unwrapping at the moment a value is read: a row whose
   * sealed fields are all served masked then unwraps no key. A remote provider (HSM, KMS) leaves
   * this out, and the rows of a result have their keys unwrapped before they are handed out.
   */
  unwrapNow?(kekId: string, wrapped: Buffer, associatedData: string): Buffer;
  /** KEK ids this provider can still unwrap with. */
  kekIds(): string[];
}

/** A rotatable key provider: one that can make a new current KEK and retire old ones. */
export interface RotatableKeyProvider extends KeyEncryptionProvider {
  addKek(): string;
  retireKek(kekId: string): void;
}

interface KeyFile {
  current: string;
  keys: Record<string, string>;
}

const newKekId = () => `kek-${new Date().toISOString().slice(0, 10).replace(/-/g, '')}-${randomBytes(3).toString('hex')}`;

/**
 * How long a process may still unwrap with a KEK it had loaded after the file stopped naming it: a
 * request that read a key reference just before `rotate-kek` retired its KEK still opens its rows.
 * New keys are never wrapped under it, and no other process ever gets it back from the file.
 */
export const RETIRED_KEK_GRACE_MS = 60_000;

/** KEKs in one JSON file: `{ current, keys: { id: base64 } }`, rewritten atomically on rotation. */
export class FileKeyProvider implements RotatableKeyProvider {
  private file: KeyFile;
  /** KEKs that left the file while this process held them, with when they stop opening anything. */
  private readonly retiring = new Map<string, { key: string; until: number }>();

  constructor(
    private readonly path: string,
    private readonly now: () => number = Date.now,
  ) {
    this.file = FileKeyProvider.parse(
      readOrCreateSecretFile(path, () => {
        const id = newKekId();
        return JSON.stringify({ current: id, keys: { [id]: randomBytes(KEY_BYTES).toString('base64') } });
      }),
      path,
    );
  }

  private static parse(text: string, path: string): KeyFile {
    const file = JSON.parse(text) as KeyFile;
    if (typeof file.current !== 'string' || !file.keys?.[file.current]) throw new Error(`${path} names no current key-encryption key`);
    for (const [id, key] of Object.entries(file.keys)) {
      if (Buffer.from(key, 'base64').length !== KEY_BYTES) throw new Error(`${path}: key ${id} is not ${KEY_BYTES} bytes`);
    }
    return file;
  }

  /** Another process rotated: read the file again (a KEK id we do not know is the sign). */
  private reload(): void {
    if (existsSync(this.path)) this.replace(FileKeyProvider.parse(readFileSync(this.path, 'utf8'), this.path));
  }

  private replace(file: KeyFile): void {
    for (const [id, { until }] of this.retiring) if (until <= this.now()) this.retiring.delete(id);
    for (const [id, key] of Object.entries(this.file.keys)) {
      if (!file.keys[id] && !this.retiring.has(id)) this.retiring.set(id, { key, until: this.now() + RETIRED_KEK_GRACE_MS });
    }
    this.file = file;
  }

  /** `unwrapping`: a KEK retired moments ago still opens (see RETIRED_KEK_GRACE_MS); wrapping never uses one. */
  private key(kekId: string, unwrapping = false): Buffer {
    if (!this.file.keys[kekId]) this.reload();
    let key = this.file.keys[kekId];
    const retired = this.retiring.get(kekId);
    if (!key && unwrapping && retired && retired.until > this.now()) key = retired.key;
    if (!key) throw new Error(`key-encryption key ${kekId} is not in ${this.path}`);
    return Buffer.from(key, 'base64');
  }

  currentKekId(): string {
    this.reload();
    return this.file.current;
  }

  kekIds(): string[] {
    this.reload();
    return Object.keys(this.file.keys);
  }

  async wrap(dataKey: Buffer, associatedData: string): Promise<{ kekId: string; wrapped: Buffer }> {
    const kekId = this.currentKekId(); // re-read: another process may have rotated
    return { kekId, wrapped: seal(this.key(kekId), dataKey, associatedData) };
  }

  async unwrap(kekId: string, wrapped: Buffer, associatedData: string): Promise<Buffer> {
    return this.unwrapNow(kekId, wrapped, associatedData);
  }

  unwrapNow(kekId: string, wrapped: Buffer, associatedData: string): Buffer {
    return open(this.key(kekId, true), wrapped, associatedData);
  }

  addKek(): string {
    this.reload();
    const id = newKekId();
    this.write({ current: id, keys: { ...this.file.keys, [id]: randomBytes(KEY_BYTES).toString('base64') } });
    return id;
  }

  retireKek(kekId: string): void {
    this.reload();
    if (kekId === this.file.current) throw new Error('the current key-encryption key cannot be retired');
    const keys = { ...this.file.keys };
    delete keys[kekId];
    this.write({ current: this.file.current, keys });
  }

  private write(file: KeyFile): void {
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(file), { mode: 0o600 });
    renameSync(temporary, this.path);
    this.replace(file);
  }
}
