/**
 * Record conditions on writes (a rep changes only their own customers). The plan has already
 * checked which input fields the role may set; this checks the record, before the write.
 */
import type { PolicyContext } from './policy-context';
import { isUuid } from '../../src/input-errors';
import { ROLE_POLICIES } from '../policy';
import { forbidden } from './errors';

export type WriteSubject = { customerId: string } | { contactId: string };

async function managerOf(ctx: PolicyContext, subject: WriteSubject): Promise<string | null | undefined> {
  if ('customerId' in subject) {
    if (!isUuid(subject.customerId)) return undefined;
    const [row] = await ctx.db.rows<{ rm: string | null }>(`SELECT relationship_manager_id AS rm FROM customers WHERE id = $1`, [subject.customerId]);
    return row ? row.rm : undefined;
  }
  if (!isUuid(subject.contactId)) return undefined;
  const [row] = await ctx.db.rows<{ rm: string | null }>(
    `SELECT c.relationship_manager_id AS rm FROM contacts ct JOIN customers c ON c.id = ct.customer_id WHERE ct.id = $1`,
    [subject.contactId],
  );
  return row ? row.rm : undefined;
}

/** Throws FORBIDDEN when the role's grant for this mutation has a record condition the record does not meet. */
export async function requireWriteCondition(ctx: PolicyContext, mutation: string, subject: WriteSubject): Promise<void> {
  const grant = ROLE_POLICIES[ctx.principal.role]?.writes[mutation];
  if (!grant) throw forbidden(`role ${ctx.principal.role} may not run ${mutation}`, [`Mutation.${mutation}`]);
  if (grant.condition !== 'OWN_CUSTOMER') return;
  const rm = await managerOf(ctx, subject);
  // An unknown record is left to the mutation's own NOT_FOUND / BAD_USER_INPUT.
  if (rm === undefined) return;
  if (rm !== ctx.principal.sub) {
    throw forbidden(`role ${ctx.principal.role} may ${mutation} only for customers it is relationship manager of`, [`Mutation.${mutation}`], { reason: 'NOT_OWN_CUSTOMER' });
  }
}
