/**
 * Relationship care (issue 17 item 6; seed 001 三(一)): a contact log per customer and the
 * contacts-due worklist — key customers not contacted in a month, general ones in a quarter.
 */
import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../src/context';
import { sealedSelectList } from '../../src/crypto/sealed-rows';
import { customerDataKey, sealFor } from '../../src/crypto/sealed-writes';
import { badUserInput, InputProblems, isUuid, notFound, requireUuid } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import { nowOf } from '../complaint/workflow.service';
import type { ContactDue, ContactLogEntry, ContactsDueArgs, LogCustomerContactInput } from './care.types';

/** How often each tier is to be contacted (seed 001 三(一)1: 重点客户每月至少沟通一次，一般客户每季度沟通一次). */
export const CONTACT_INTERVALS = { KEY: '1 month', GENERAL: '3 months' } as const;

const BACKDATE_DAYS = 90;

export const contactLogColumns = [
  'l.id', 'l.customer_id AS "customerId"', 'l.contacted_at AS "contactedAt"', 'l.method', 'l.staff_id AS "staffId"', 'l.created_at AS "createdAt"',
  ...sealedSelectList('contact_logs', 'l', null),
  `(SELECT held.status FROM customers held WHERE held.id = l.customer_id AND held.status IN ('RESTRICTED', 'ERASED')) AS "$hold"`,
].join(', ');

export function logCustomerContact(ctx: RequestContext, input: LogCustomerContactInput): Promise<ContactLogEntry> {
  const customerId = requireUuid(input.customerId, 'input.customerId');
  const problems = new InputProblems();
  const summary = input.summary?.trim() ?? '';
  problems.check('input.summary', summary.length >= 1 && summary.length <= 2000, 'must be 1–2000 characters');
  const now = nowOf(ctx);
  const at = input.contactedAt;
  problems.check('input.contactedAt', at instanceof Date && at.getTime() <= now.getTime() + 60_000 && at.getTime() >= now.getTime() - BACKDATE_DAYS * 86_400_000, `must be within the last ${BACKDATE_DAYS} days, not in the future`);
  problems.throwIfAny();
  const staffId = ctx.principal.staffId && isUuid(ctx.principal.sub) ? ctx.principal.sub.toLowerCase() : null;
  if (!staffId) throw badUserInput('input.customerId', 'only a staff member logs a contact');
  return ctx.db.transaction(async (tx) => {
    const [customer] = await tx.rows(`SELECT 1 FROM customers WHERE id = $1 AND status NOT IN ('ERASED', 'RESTRICTED') FOR SHARE`, [customerId]);
    if (!customer) throw notFound('customer', 'input.customerId');
    const id = randomUUID();
    const sealed = await sealFor(tx, 'contact_logs', id, customerId, { summary }, await customerDataKey(tx, customerId));
    const [entry] = await tx.rows<ContactLogEntry>(
      `INSERT INTO contact_logs AS l (id, customer_id, contacted_at, method, summary_sealed, summary_masked, staff_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${contactLogColumns}`,
      [id, customerId, at, input.method, sealed.summary_sealed, sealed.summary_masked, staffId, now],
    );
    tx.changed({ entity: 'ContactLogEntry', entityId: id, customerId, action: 'CREATE', before: null, after: entry as never });
    return entry;
  });
}

/** Entries of a customer's contact log served under Customer.contactLog (the newest). */
export const CONTACT_LOG_SHOWN = 50;

/** Active customers whose next contact fell due by now: the caller's own (sales), or one manager's or all (managers). */
export function contactsDue(ctx: RequestContext, args: ContactsDueArgs): Promise<ContactDue[]> {
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badUserInput('first', 'must be 1–100');
  const params = new SqlParams();
  const conditions = [`c.status = 'ACTIVE'`];
  if (ctx.principal.role === 'sales') conditions.push(`c.relationship_manager_id = ${params.add(isUuid(ctx.principal.sub) ? ctx.principal.sub.toLowerCase() : null)}::uuid`);
  else if (args.relationshipManagerId) conditions.push(`c.relationship_manager_id = ${params.add(requireUuid(args.relationshipManagerId, 'relationshipManagerId'))}`);
  const now = params.add(nowOf(ctx));
  const interval = `CASE WHEN c.tier = 'KEY' THEN interval '${CONTACT_INTERVALS.KEY}' ELSE interval '${CONTACT_INTERVALS.GENERAL}' END`;
  return ctx.db.rows<ContactDue>(
    `SELECT c.id AS "customerId", c.tier, last.at AS "lastContactedAt", COALESCE(last.at, c.created_at) + ${interval} AS "dueSince"
       FROM customers c
       LEFT JOIN LATERAL (SELECT max(l.contacted_at) AS at FROM contact_logs l WHERE l.customer_id = c.id) last ON true
      WHERE ${conditions.join(' AND ')} AND COALESCE(last.at, c.created_at) + ${interval} <= ${now}::timestamptz
      ORDER BY 4, c.id LIMIT ${first}`,
    params.values,
  );
}
