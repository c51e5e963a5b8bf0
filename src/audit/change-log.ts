/**
 * Change history: who changed which fields of which record, written by the mutation's own
 * transaction just before it commits — no change without its history, no history of a change
 * that rolled back. Sensitive values appear only masked and as keyed hashes — and for records
 * about a customer those are sealed under the customer's history key (see history-sealing.ts).
 */
import type { Principal } from '../auth/principal';
import type { TransactionDb } from '../db/pool';
import { classify, isSensitive } from '../../permissions/policy';
import { applyMask } from '../../permissions/masks';
import { appendToChain } from './chain';
import { PERSONAL_PLAIN_FIELDS } from '../../permissions/erasure';
import { historyKeys, sealEntries, type StoredFieldChange } from './history-sealing';
import type { ValueHasher } from './keys';

export type AuditedEntity =
  | 'Customer' | 'Contact' | 'Transaction' | 'Complaint' | 'Consent' | 'Partner' | 'PartnerToken' | 'PartnerOperation' | 'StaffMember'
  | 'RelationshipManagerChange' | 'CustomerDuplicateReview'
  // Key management steps (npm run keys): counts and key ids in `reason`, never key material.
  | 'KeyRotation'
  // The erasure flow (schema/erasure): its steps, and the deletion records it leaves.
  | 'ErasureRequest' | 'DeletionRecord'
  // Governance (schema/grant, schema/governance): clear-access grants, incidents, access reviews, partner agreements.
  | 'ClearAccessGrant' | 'Incident' | 'AccessReviewDecision' | 'PartnerAgreement'
  // Relationship care (schema/care).
  | 'ContactLogEntry';
export type ChangeAction = 'CREATE' | 'UPDATE' | 'DELETE';

/** One changed record, as the service saw it before and after (rows in their GraphQL shape). */
export interface EntityChange {
  entity: AuditedEntity;
  entityId: string;
  customerId: string | null;
  action: ChangeAction;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  /** Why an operator made the change (deactivation, revocation): recorded as written, about an account, not a customer. */
  reason?: string;
}

export interface FieldChange {
  field: string;
  sensitive: boolean;
  /** Clear for non-sensitive fields; the field's mask for sensitive ones (null when it has none). */
  old: string | null;
  new: string | null;
  /** Keyed hashes (HMAC-SHA-256) of sensitive values: "did it change to X?" is answerable with the key only. */
  oldHash?: string | null;
  newHash?: string | null;
}

/** Book-keeping columns, and keys the change record has columns of its own for (entity_id, customer_id). */
const IGNORED = new Set(['id', 'updatedAt', 'customerId']);

function text(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : String(value);
}

/** `relationshipManagerId` is classified as the field it feeds, `relationshipManager`. */
function classOf(entity: AuditedEntity, field: string) {
  return classify(entity, field) ?? (field.endsWith('Id') ? classify(entity, field.slice(0, -2)) : undefined);
}

export function fieldChanges(change: EntityChange, hashValue: ValueHasher): FieldChange[] {
  const fields = new Set([...Object.keys(change.before ?? {}), ...Object.keys(change.after ?? {})]);
  const result: FieldChange[] = [];
  for (const field of [...fields].sort()) {
    if (IGNORED.has(field)) continue;
    const before = text(change.before?.[field]);
    const after = text(change.after?.[field]);
    if (before === after) continue;
    const cls = classOf(change.entity, field);
    // Unclassified counts as sensitive: deny by default applies to the history too.
    if (cls && !isSensitive(cls)) {
      result.push({ field, sensitive: false, old: before, new: after });
      continue;
    }
    const masked = (value: string | null) => (value === null || !cls?.mask ? null : applyMask(cls.mask, value));
    result.push({
      field,
      sensitive: true,
      old: masked(before),
      new: masked(after),
      oldHash: before === null ? null : hashValue(before),
      newHash: after === null ? null : hashValue(after),
    });
  }
  if (change.reason) result.push({ field: 'reason', sensitive: false, old: null, new: change.reason });
  return result;
}

export interface ChangeActor {
  principal: Principal;
  requestId: string;
  operationName(): string | null;
}

/**
 * The entries of a change about a customer that are the person's: sensitive fields, fields every
 * role reads but erasure clears (gender, credit code, …: PERSONAL_PLAIN_FIELDS), and the
 * operator's free-text reason (written about this customer: it may name them).
 */
function personalEntries(change: EntityChange, entries: FieldChange[]): (entry: FieldChange) => boolean {
  const reason = change.reason ? entries[entries.length - 1] : undefined;
  const plainButPersonal = PERSONAL_PLAIN_FIELDS[change.entity] ?? [];
  return (entry) => entry.sensitive || entry === reason || plainButPersonal.includes(entry.field);
}

/** Appends a transaction's changes to the change chain, inside that transaction. */
export function changeRecorder(actor: ChangeActor, hashValue: ValueHasher) {
  return async (tx: TransactionDb, changes: EntityChange[]): Promise<void> => {
    const occurredAt = new Date();
    const { principal } = actor;
    // One key-store read for every customer of the transaction (a customer created in it already has its row).
    const keys = await historyKeys(tx, [...new Set(changes.map((c) => c.customerId).filter((id): id is string => id !== null))]);
    const entries = changes.map((change) => fieldChanges(change, hashValue));
    await appendToChain(
      tx,
      'change',
      changes.map((change, i) => ({
        occurredAt,
        requestId: actor.requestId,
        principalSub: principal.sub,
        principalRole: principal.role,
        tokenId: principal.tokenId,
        partnerId: principal.partnerId,
        operationName: actor.operationName(),
        entity: change.entity,
        entityId: change.entityId,
        customerId: change.customerId,
        action: change.action,
        changes: entries[i] as StoredFieldChange[],
      })),
      // Sealed once the record's sequence number is known: it is part of each sealed entry's associated data.
      (row, i) => {
        const change = changes[i];
        if (change.customerId === null) return row;
        return { ...row, changes: sealEntries(keys.get(change.customerId) ?? null, row.seq, entries[i], personalEntries(change, entries[i])) };
      },
    );
  };
}
