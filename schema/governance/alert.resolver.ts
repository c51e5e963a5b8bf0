/** Alerts: auditors read them all; a manager reads those naming them as recipient (emergency grants to review). */
import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { Alert } from './alert.types';

@Resolver()
export class AlertResolver {
  @Query(() => [Alert], { description: 'Newest first (500 at most); auditors: every alert; others: the alerts they are a recipient of' })
  alerts(
    @Arg('rule', () => String, { nullable: true }) rule: string | null,
    @Arg('since', () => Date, { nullable: true }) since: Date | null,
    @Ctx() ctx: RequestContext,
  ) {
    const everyone = ctx.principal.role === 'auditor';
    return ctx.db
      .rows<Alert & { detail: unknown }>(
        `SELECT id, rule, severity, principal_sub AS "principalSub", subject, summary, detail, recipients, raised_at AS "raisedAt", delivered_at AS "deliveredAt",
                delivery_attempts AS "deliveryAttempts", last_delivery_error AS "lastDeliveryError"
         FROM alerts WHERE ($1::text IS NULL OR rule = $1) AND ($2::timestamptz IS NULL OR raised_at >= $2) AND ($3 OR $4::uuid = ANY(recipients))
         ORDER BY raised_at DESC, id LIMIT 500`,
        [rule, since, everyone, ctx.principal.staffId],
      )
      .then((rows) => rows.map((r) => ({ ...r, detail: JSON.stringify(r.detail) })));
  }
}
