/**
 * Which customers' records a request may reach. Staff: all (the policy decides the fields).
 * A partner: only customers with an active consent for that partner and the purpose it
 * declared — as a SQL condition on every statement that reads customer records, so rows,
 * counts and cursors of other customers never leave the database.
 */
import type { SqlParams } from './sql';

export interface CustomerVisibility {
  partnerId: string;
  /** Settled with the request's purpose; until then nothing is visible. */
  purpose: string | null;
  /** Field groups (scopes) the operation uses: a consent limited to other groups does not cover it. */
  fieldGroups: string[];
}

/** Tables holding customer records, and the column naming the customer. */
const CUSTOMER_KEY: Readonly<Record<string, string>> = {
  customers: 'id',
  contacts: 'customer_id',
  transactions: 'customer_id',
  complaints: 'customer_id',
};
/** Reached only through a visible parent (a complaint's timeline) or holding no customer data. */
const NOT_CUSTOMER_RECORDS = new Set(['staff', 'complaint_events']);

/** The condition restricting `alias` (a row of `table`) to visible customers; null when unrestricted. */
export function visibilityCondition(visibility: CustomerVisibility | null, table: string, alias: string, params: SqlParams): string | null {
  if (!visibility || NOT_CUSTOMER_RECORDS.has(table)) return null;
  const key = CUSTOMER_KEY[table];
  // Fail closed: an unknown table, or no purpose yet, shows nothing.
  if (!key || !visibility.purpose) return 'FALSE';
  return `EXISTS (SELECT 1 FROM consents cs WHERE cs.customer_id = ${alias}.${key}
            AND cs.partner_id = ${params.add(visibility.partnerId)} AND cs.purpose = ${params.add(visibility.purpose)}
            AND cs.revoked_at IS NULL AND cs.granted_at <= now() AND cs.expires_at > now()
            AND (cs.field_groups IS NULL OR cs.field_groups @> ${params.add(visibility.fieldGroups)}::text[]))`;
}
