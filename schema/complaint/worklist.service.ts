/**
 * Deadlines that act (issue 17 item 3): the worklist of complaints near or past their due time,
 * or past their interim deadline with no progress, per agent and per branch. Time is the
 * server's clock (tests move it).
 */
import type { RequestContext } from '../../src/context';
import type { Complaint } from '../../src/db/entities';
import { WORKED_STATES } from '../../permissions/complaint-workflow';
import { badUserInput, requireUuid } from '../../src/input-errors';
import { SqlParams } from '../../src/db/sql';
import { complaintList } from './complaint.service';
import type { ComplaintWorklistArgs } from './complaint.inputs';
import { actorOf, complaintDeadlines, nowOf } from './workflow.service';

/** The SQL test "needs attention at `now`": due within the window, or the interim deadline passed with no progress. */
export function needsAttentionSql(alias: string, now: string, windowHours: string): string {
  return `(${alias}.due_at <= ${now}::timestamptz + make_interval(hours => ${windowHours}::int)
          OR (${alias}.first_progress_at IS NULL AND ${alias}.interim_due_at <= ${now}::timestamptz))`;
}

export async function complaintWorklist(ctx: RequestContext, args: ComplaintWorklistArgs): Promise<Complaint[]> {
  const first = args.first ?? 50;
  if (!Number.isInteger(first) || first < 1 || first > 100) throw badUserInput('first', 'must be 1–100');
  const within = args.withinHours ?? complaintDeadlines().escalateBeforeHours;
  if (!Number.isInteger(within) || within < 0 || within > 24 * 30) throw badUserInput('withinHours', 'must be 0–720');
  const params = new SqlParams();
  const now = params.add(nowOf(ctx));
  // Still worked and needing attention; or a follow-up for managers: an unhappy survey escalated after the complaint was
  // resolved or closed, in the last 30 days (a reopening clears it).
  const conditions = [`((k.status = ANY(${params.add([...WORKED_STATES])}::text[]) AND ${needsAttentionSql('k', now, params.add(within))})
    OR (k.escalated_at IS NOT NULL AND k.escalated_at >= COALESCE(k.closed_at, k.resolved_at) AND k.escalated_at > ${now}::timestamptz - interval '30 days'))`];
  // A service agent's worklist is their own: nobody reads another agent's queue through it.
  if (ctx.principal.role === 'service') conditions.push(`k.assignee_id = ${params.add(actorOf(ctx))}::uuid`);
  else if (args.assigneeId) conditions.push(`k.assignee_id = ${params.add(requireUuid(args.assigneeId, 'assigneeId'))}`);
  if (args.branch) conditions.push(`k.branch = ${params.add(args.branch)}`);
  return ctx.db.rows<Complaint>(
    `SELECT ${complaintList.columns} FROM complaints k WHERE ${conditions.join(' AND ')} ORDER BY k.escalated_at IS NULL, k.due_at, k.id LIMIT ${first}`,
    params.values,
  );
}
