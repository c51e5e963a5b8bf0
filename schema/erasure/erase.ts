/**
 * Erasing one customer, inside the caller's transaction (seed 000 二(五)2: unrecoverable; seed 003
 * 二(四)2: backups included). The customer's data and history keys are destroyed — every sealed
 * value of theirs, in this database and in every backup of it, can no longer be opened — and the
 * ciphertexts, stored masked forms, blind indexes and clear personal columns are cleared besides.
 * The facts the law keeps without the person (transaction amounts, dates, channel, currency,
 * complaint categories and dates) stay, attached to the now empty customer row.
 */
import type { TransactionDb } from '../../src/db/pool';
import { destroyCustomerKeys } from '../../src/crypto/erasure-keys';
import { SEALED_TABLES } from '../../src/crypto/sealed-fields';
import { lockCustomerKey, sealFor } from '../../src/crypto/sealed-writes';

/** A table holding a customer's personal data: its rows of this customer, and the personal columns that are not sealed. */
interface PersonalTable {
  table: string;
  /** Rows of the customer `$1`, for alias `t`. */
  rowsOf: string;
  /** Clear personal columns: [GraphQL field, column]. */
  clear: [string, string][];
  /** Rows deleted rather than emptied: nothing in them is kept by law (a contact person of the customer). */
  remove?: boolean;
}

const PERSONAL_TABLES: readonly PersonalTable[] = [
  {
    table: 'customers',
    rowsOf: 't.id = $1',
    // Registered company data goes too: the credit code would name the customer, and free it for re-use.
    clear: [['name', 'name'], ['gender', 'gender'], ['employer', 'employer'], ['legalRepresentative', 'legal_representative'], ['creditCode', 'credit_code'], ['businessScope', 'business_scope']],
  },
  { table: 'contacts', rowsOf: 't.customer_id = $1', clear: [['name', 'name'], ['position', 'position']], remove: true },
  { table: 'transactions', rowsOf: 't.customer_id = $1', clear: [['counterpartyName', 'counterparty_name']] },
  { table: 'complaints', rowsOf: 't.customer_id = $1', clear: [] },
  // What staff said to and heard from the customer: nothing of it is kept by law.
  { table: 'contact_logs', rowsOf: 't.customer_id = $1', clear: [], remove: true },
  { table: 'complaint_events', rowsOf: 't.complaint_id IN (SELECT k.id FROM complaints k WHERE k.customer_id = $1)', clear: [] },
  // Break-glass grants on the customer: the record of who saw them clear stays (ids, fields, times), its free texts go.
  { table: 'clear_access_grants', rowsOf: 't.customer_id = $1', clear: [] },
];

/** Staff free texts about the customer (masked on reads, but a name can be in them): replaced, the records stay. */
const STAFF_TEXTS: readonly { table: string; typeName: string; columns: [field: string, column: string, replacement: string][]; rowsOf?: string }[] = [
  { table: 'relationship_manager_changes', typeName: 'RelationshipManagerChange', columns: [['reason', 'reason', `'(erased)'`], ['decisionNote', 'decision_note', 'NULL']] },
  // A review is about both customers it links: its note goes with either.
  { table: 'customer_duplicate_reviews', typeName: 'CustomerDuplicateReview', columns: [['note', 'note', 'NULL']], rowsOf: 't.customer_id = $1 OR t.duplicate_of = $1' },
  { table: 'consents', typeName: 'Consent', columns: [['revokeReason', 'revoke_reason', 'NULL']] },
  // The request's own reasons are free text about the person (numbers are refused, names cannot be).
  {
    table: 'erasure_requests',
    typeName: 'ErasureRequest',
    columns: [['reason', 'reason', `'(erased)'`], ['rejectionReason', 'rejection_reason', `CASE WHEN rejection_reason IS NULL THEN NULL ELSE '(erased)' END`]],
  },
];

function typeNameOf(table: string): string {
  return SEALED_TABLES[table].typeName;
}

/** Every column a table's sealed fields are stored in: ciphertext, masked form, blind index, and the emptied legacy plaintext. */
function sealedStorage(table: string): string[] {
  return SEALED_TABLES[table].fields.flatMap((f) => [f.column, `${f.column}_sealed`, `${f.column}_masked`, ...(f.blindIndex ? [`${f.column}_bidx`] : [])]);
}

/** The field coordinates of the customer that hold a value now: what the deletion record says was erased. */
export async function personalCategories(tx: TransactionDb, customerId: string): Promise<string[]> {
  const categories: string[] = [];
  for (const spec of PERSONAL_TABLES) {
    const typeName = typeNameOf(spec.table);
    const tests = [
      ...SEALED_TABLES[spec.table].fields.map((f) => [`${typeName}.${f.property}`, `t.${f.column}_sealed IS NOT NULL OR t.${f.column} IS NOT NULL`]),
      ...spec.clear.map(([field, column]) => [`${typeName}.${field}`, `t.${column} IS NOT NULL`]),
    ];
    const [row] = await tx.rows<Record<string, boolean | null>>(
      `SELECT ${tests.map(([name, test]) => `coalesce(bool_or(${test}), false) AS "${name}"`).join(', ')} FROM ${spec.table} t WHERE ${spec.rowsOf}`,
      [customerId],
    );
    for (const [name] of tests) if (row[name]) categories.push(name);
  }
  for (const spec of STAFF_TEXTS) {
    const [row] = await tx.rows<Record<string, boolean | null>>(
      `SELECT ${spec.columns.map(([field, column]) => `coalesce(bool_or(t.${column} IS NOT NULL), false) AS "${field}"`).join(', ')} FROM ${spec.table} t WHERE ${spec.rowsOf ?? 't.customer_id = $1'}`,
      [customerId],
    );
    for (const [field] of spec.columns) if (row[field]) categories.push(`${spec.typeName}.${field}`);
  }
  return categories;
}

/**
 * Ends every consent of the customer still in force (nothing of a restricted or erased customer is
 * shared): each in the change history, by id and time only.
 */
export async function revokeConsentsOf(tx: TransactionDb, customerId: string, now: Date, actor: string): Promise<void> {
  const revoked = await tx.rows<{ id: string; revokedAt: Date }>(
    `UPDATE consents AS cs SET revoked_at = $2, revoked_by = $3 WHERE cs.customer_id = $1 AND cs.revoked_at IS NULL RETURNING cs.id, cs.revoked_at AS "revokedAt"`,
    [customerId, now, actor],
  );
  for (const consent of revoked) {
    tx.changed({ entity: 'Consent', entityId: consent.id, customerId, action: 'UPDATE', before: { revokedAt: null }, after: { revokedAt: consent.revokedAt, revokedBy: actor } });
  }
}

/**
 * Ends every clear-access grant in force on the customer (an erasure executed: restricted or erased,
 * nobody reads the person's data clear, not even under legal_hold with a grant approved before).
 */
export async function revokeGrantsOn(tx: TransactionDb, customerId: string, now: Date, actor: string, reason: string): Promise<void> {
  // The revoke reason is sealed like the grant's other texts (under the customer's key, taken before the rows).
  const dataKey = await lockCustomerKey(tx, customerId);
  const revoked = await tx.rows<{ id: string }>(
    `UPDATE clear_access_grants AS g SET status = 'REVOKED', revoked_at = $2, revoked_by = $3
     WHERE g.customer_id = $1 AND g.status = 'APPROVED' AND g.expires_at > $2 RETURNING g.id`,
    [customerId, now, actor],
  );
  for (const grant of revoked) {
    if (dataKey) {
      const sealed = await sealFor(tx, 'clear_access_grants', grant.id, customerId, { revokeReason: reason }, dataKey);
      await tx.exec(`UPDATE clear_access_grants SET revoke_reason_sealed = $2, revoke_reason_masked = $3 WHERE id = $1`, [grant.id, sealed.revoke_reason_sealed, sealed.revoke_reason_masked]);
    }
    tx.changed({ entity: 'ClearAccessGrant', entityId: grant.id, customerId, action: 'UPDATE', before: { status: 'APPROVED' }, after: { status: 'REVOKED', revokedAt: now, revokedBy: actor }, reason });
  }
}

/**
 * Destroys the customer's keys and clears every personal column of theirs; returns the categories
 * erased. The caller holds the customer row locked, records the change and, after COMMIT, makes
 * its keyring forget every unwrapped key.
 */
export async function eraseCustomer(tx: TransactionDb, customerId: string, now: Date): Promise<string[]> {
  const categories = await personalCategories(tx, customerId);
  // Both keys at once (data and history: DELETE FROM keystore.customer_keys WHERE customer_id = $1): every copy of every value sealed under them is unreadable from here on.
  await destroyCustomerKeys(tx, customerId);
  for (const spec of PERSONAL_TABLES) {
    if (spec.remove) {
      await tx.exec(`DELETE FROM ${spec.table} t WHERE ${spec.rowsOf}`, [customerId]);
      continue;
    }
    const sets = [...sealedStorage(spec.table), ...spec.clear.map(([, column]) => column)].map((column) => `${column} = NULL`);
    if (spec.table === 'customers') sets.push(`status = 'ERASED'`, 'restricted_until = NULL', 'updated_at = $2');
    await tx.exec(`UPDATE ${spec.table} AS t SET ${sets.join(', ')} WHERE ${spec.rowsOf}`, spec.table === 'customers' ? [customerId, now] : [customerId]);
  }
  for (const spec of STAFF_TEXTS) {
    const sets = spec.columns.map(([, column, replacement]) => `${column} = ${replacement}`);
    await tx.exec(`UPDATE ${spec.table} AS t SET ${sets.join(', ')} WHERE ${spec.rowsOf ?? 't.customer_id = $1'}`, [customerId]);
  }
  return categories;
}
