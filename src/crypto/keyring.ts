/**
 * The keys behind sealed values: a KEK provider, the blind-index key, and the customers' data
 * keys, kept wrapped in the key store (schema `keystore`, apart from the data and backed up on
 * its own rule) and unwrapped into a bounded in-process cache — never written anywhere clear.
 */
import type { Pool } from 'pg';
import type { SqlRunner } from '../db/pool';
import { readOrCreateSecretFile } from '../auth/secret';
import { randomBytes } from 'node:crypto';
import { blindIndexer, type BlindIndexer } from './blind-index';
import { FileKeyProvider, type KeyEncryptionProvider } from './key-provider';
import { newDataKey } from './sealing';

/** How a query names a row's data key: `<customer id> <kek id> <wrapped key, hex>` (see `keyReferenceSql`). */
export type KeyReference = string;

export type CustomerKeyKind = 'data' | 'history';

/** The associated data a wrapped key is bound to: a wrapped key moved to another customer does not unwrap. */
export const wrappingPlace = (customerId: string, kind: CustomerKeyKind) => `keystore.customer_keys.${customerId}.${kind}`;

const CACHE_ENTRIES = 20_000;

export interface KeyFiles {
  kekFile: string;
  blindIndexKeyFile: string;
}

export class Keyring {
  private readonly cache = new Map<KeyReference, Buffer>();

  constructor(
    readonly provider: KeyEncryptionProvider,
    readonly blindIndex: BlindIndexer,
  ) {}

  /** A data key already unwrapped by `prefetch`; undefined when the reference is unknown. */
  cached(reference: KeyReference): Buffer | undefined {
    return this.cache.get(reference);
  }

  /** Whether keys can be unwrapped when a value is read (a local KEK) rather than before rows are handed out. */
  get unwrapsOnRead(): boolean {
    return typeof this.provider.unwrapNow === 'function';
  }

  /** The data key of a reference, unwrapped now if need be (local KEKs only; see `unwrapsOnRead`). */
  keyFor(reference: KeyReference): Buffer {
    let key = this.cache.get(reference);
    if (!key) {
      const [customerId, kekId, hex] = reference.split(' ');
      key = this.provider.unwrapNow!(kekId, Buffer.from(hex, 'hex'), wrappingPlace(customerId, 'data'));
      this.remember(reference, key);
    }
    return key;
  }

  /** Unwraps the data keys not yet in the cache (one provider call each). */
  async prefetch(references: Iterable<KeyReference | null>): Promise<void> {
    const missing = new Set<KeyReference>();
    for (const reference of references) if (reference && !this.cache.has(reference)) missing.add(reference);
    await Promise.all([...missing].map(async (reference) => this.remember(reference, await this.unwrapReference(reference))));
  }

  private async unwrapReference(reference: KeyReference): Promise<Buffer> {
    const [customerId, kekId, hex] = reference.split(' ');
    return this.provider.unwrap(kekId, Buffer.from(hex, 'hex'), wrappingPlace(customerId, 'data'));
  }

  private remember(reference: KeyReference, key: Buffer): void {
    if (this.cache.size >= CACHE_ENTRIES) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(reference, key);
  }

  /** Forgets every unwrapped key (after an erasure or a rotation in this process). */
  forget(): void {
    this.cache.clear();
  }

  /** A new customer's data and history keys, wrapped into the key store inside the caller's transaction. */
  async createCustomerKeys(tx: SqlRunner, customerId: string): Promise<Buffer> {
    const dataKey = newDataKey();
    const data = await this.provider.wrap(dataKey, wrappingPlace(customerId, 'data'));
    const history = await this.provider.wrap(newDataKey(), wrappingPlace(customerId, 'history'));
    await tx.rows(
      `INSERT INTO keystore.customer_keys (customer_id, kek_id, data_key, history_kek_id, history_key) VALUES ($1, $2, $3, $4, $5)`,
      [customerId, data.kekId, data.wrapped, history.kekId, history.wrapped],
    );
    return dataKey;
  }

  /**
   * A customer's key of one kind, from the key store (null: none — erased, or never made).
   * `forSealing`: the caller seals with it in its transaction, so the key row is share-locked until
   * that commits — a data-key rotation (which locks the row for update) waits for it, and it waits
   * for a rotation under way and then reads the new key: nothing is ever sealed under a key that a
   * rotation has just replaced.
   */
  async customerKey(db: SqlRunner, customerId: string, kind: CustomerKeyKind = 'data', options: { forSealing?: boolean } = {}): Promise<Buffer | null> {
    const column = kind === 'data' ? 'data_key' : 'history_key';
    const kekColumn = kind === 'data' ? 'kek_id' : 'history_kek_id';
    const [row] = await db.rows<{ kek: string; wrapped: Buffer }>(
      `SELECT ${kekColumn} AS kek, ${column} AS wrapped FROM keystore.customer_keys WHERE customer_id = $1${options.forSealing ? ' FOR SHARE' : ''}`,
      [customerId],
    );
    return row ? this.provider.unwrap(row.kek, row.wrapped, wrappingPlace(customerId, kind)) : null;
  }
}

/** SQL for a row's key reference (a scalar subquery on the key store), given its customer id expression. */
export function keyReferenceSql(customerIdSql: string): string {
  // An alias no query of ours uses for its own tables (the correlation must not be shadowed).
  return `(SELECT sk.customer_id::text || ' ' || sk.kek_id || ' ' || encode(sk.data_key, 'hex') FROM keystore.customer_keys sk WHERE sk.customer_id = ${customerIdSql})`;
}

export function loadKeyring(files: KeyFiles, provider: KeyEncryptionProvider = new FileKeyProvider(files.kekFile)): Keyring {
  const blindKey = Buffer.from(readOrCreateSecretFile(files.blindIndexKeyFile, () => randomBytes(32).toString('base64')).trim(), 'base64');
  return new Keyring(provider, blindIndexer(blindKey));
}

const keyrings = new WeakMap<Pool, Keyring>();

/** The keyring rows read through this pool are opened with. */
export function attachKeyring(pool: Pool, keyring: Keyring): void {
  keyrings.set(pool, keyring);
}

export function keyringOf(pool: Pool): Keyring | undefined {
  return keyrings.get(pool);
}
