/** The id a caller is shown: the real one, or — for roles with `pseudonymousIds` (analysts) — a keyed pseudonym. */
import type { PolicyContext } from './policy-context';
import { ROLE_POLICIES } from '../policy';
import { recordPseudonym } from '../pseudonyms';

/** Customers and the records that belong to one: a stable real id of any of them leads back to the customer. */
export const PSEUDONYMOUS_TYPES = ['Customer', 'Transaction', 'Contact', 'Complaint'] as const;

export function shownId(ctx: Pick<PolicyContext, 'principal' | 'operation' | 'services'>, type: string, id: string): string {
  if (!ROLE_POLICIES[ctx.principal.role]?.pseudonymousIds) return id;
  return recordPseudonym(ctx.services.hashValue, ctx.principal.sub, ctx.operation.purpose ?? '', type, id);
}
