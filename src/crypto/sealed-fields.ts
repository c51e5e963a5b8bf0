/**
 * Which columns are stored sealed (AES-256-GCM under the customer's data key): every L2/L3 field
 * and the free texts that may hold numbers (issue 15; seeds 002, 003 四(三)1, 004 六(二)1).
 * Each is three columns: `<column>_sealed` (ciphertext), `<column>_masked` (the field's default
 * masked form, so that a masked read — and a read compiled to SQL later — never decrypts), and,
 * for exact lookups and uniqueness, `<column>_bidx` (blind index).
 */
import { CLASSIFICATION } from '../../permissions/classification';
import type { MaskStrategy } from '../../permissions/masks';
import type { BlindIndexKind } from './blind-index';

export interface SealedField {
  /** The entity property (= GraphQL field) and its column stem. */
  property: string;
  column: string;
  /** The default masked form stored beside the ciphertext; null: the field has no mask (removed when not clear). */
  mask: MaskStrategy | null;
  blindIndex?: BlindIndexKind;
}

export interface SealedTable {
  table: string;
  /** The GraphQL type the rows are served as. */
  typeName: string;
  /** SQL for the row's customer id, given the table alias (the data key is that customer's). */
  customerOf(alias: string): string;
  fields: readonly SealedField[];
}

function fields(typeName: string, list: [property: string, column: string, blindIndex?: BlindIndexKind][]): SealedField[] {
  return list.map(([property, column, blindIndex]) => {
    const cls = CLASSIFICATION[typeName]?.[property];
    if (!cls || cls.level === 'PUBLIC' || cls.level === 'INTERNAL') throw new Error(`${typeName}.${property} is sealed but not classified sensitive`);
    return { property, column, mask: cls.mask ?? null, ...(blindIndex ? { blindIndex } : {}) };
  });
}

export const SEALED_TABLES: Readonly<Record<string, SealedTable>> = {
  customers: {
    table: 'customers',
    typeName: 'Customer',
    customerOf: (alias) => `${alias}.id`,
    fields: fields('Customer', [
      ['idNumber', 'id_number', 'idNumber'],
      ['birthDate', 'birth_date'],
      ['phone', 'phone', 'phone'],
      ['email', 'email'],
      ['address', 'address'],
      ['annualIncome', 'annual_income'],
      ['totalAssets', 'total_assets'],
      ['bankCardNumber', 'bank_card_number', 'card'],
      ['creditRating', 'credit_rating'],
    ]),
  },
  contacts: {
    table: 'contacts',
    typeName: 'Contact',
    customerOf: (alias) => `${alias}.customer_id`,
    fields: fields('Contact', [
      ['phone', 'phone'],
      ['email', 'email'],
    ]),
  },
  transactions: {
    table: 'transactions',
    typeName: 'Transaction',
    customerOf: (alias) => `${alias}.customer_id`,
    fields: fields('Transaction', [
      ['description', 'description'],
      ['accountNumber', 'account_number'],
      ['counterpartyAccount', 'counterparty_account'],
    ]),
  },
  complaints: {
    table: 'complaints',
    typeName: 'Complaint',
    customerOf: (alias) => `${alias}.customer_id`,
    fields: fields('Complaint', [
      ['description', 'description'],
      ['resolution', 'resolution'],
      ['delayReason', 'delay_reason'],
      // The workflow's free texts (issue 17): staff and customers write numbers and names into them.
      ['customerRequest', 'customer_request'],
      ['handlingMeasures', 'handling_measures'],
      ['investigationCause', 'investigation_cause'],
      ['investigationCourse', 'investigation_course'],
      ['investigationResponsibility', 'investigation_responsibility'],
      ['investigationConclusion', 'investigation_conclusion'],
      ['investigationCountermeasures', 'investigation_countermeasures'],
      ['satisfactionComment', 'satisfaction_comment'],
    ]),
  },
  // Relationship care (seed 001 三(一)): what was said to the customer, in the staff's words.
  contact_logs: {
    table: 'contact_logs',
    typeName: 'ContactLogEntry',
    customerOf: (alias) => `${alias}.customer_id`,
    fields: fields('ContactLogEntry', [['summary', 'summary']]),
  },
  complaint_events: {
    table: 'complaint_events',
    typeName: 'ComplaintEvent',
    customerOf: (alias) => `(SELECT sc.customer_id FROM complaints sc WHERE sc.id = ${alias}.complaint_id)`,
    fields: fields('ComplaintEvent', [['note', 'note']]),
  },
  // Break-glass grants (issue 18): why a manager wanted one customer's data clear, and what the approvers
  // said about it — staff write the customer's name there (security review; a NOT_JUSTIFIED review's note is also the revoke reason).
  clear_access_grants: {
    table: 'clear_access_grants',
    typeName: 'ClearAccessGrant',
    customerOf: (alias) => `${alias}.customer_id`,
    fields: fields('ClearAccessGrant', [
      ['reason', 'reason'],
      ['decisionNote', 'decision_note'],
      ['reviewNote', 'review_note'],
      ['revokeReason', 'revoke_reason'],
    ]),
  },
};

export function sealedField(table: string, property: string): SealedField | undefined {
  return SEALED_TABLES[table]?.fields.find((f) => f.property === property);
}
