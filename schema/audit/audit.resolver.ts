/** The auditor's API (the policy grants these to the auditor role only); reading it is itself registered. */
import { Arg, Args, Ctx, ID, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { accessReport, defaultReportRange } from '../../src/audit/report';
import { PageArgs } from '../common/connection';
import { badUserInput } from '../../src/input-errors';
import { AccessRecordConnection, AuditedEntity, AuditLogFilter, ChangeRecordConnection, CustomerAccessConnection, PrincipalDay } from './audit.types';
import { auditLog, changeHistory, customerAccessHistory } from './audit.service';

/** Longest report range: the report scans the register, so it is bounded. */
const MAX_REPORT_DAYS = 92;

@Resolver()
export class AuditResolver {
  @Query(() => AccessRecordConnection, { description: 'Access records, newest first' })
  auditLog(@Args(() => PageArgs) page: PageArgs, @Arg('filter', () => AuditLogFilter, { nullable: true }) filter: AuditLogFilter | null, @Ctx() ctx: RequestContext) {
    return auditLog(ctx.db, { ...page, filter });
  }

  @Query(() => CustomerAccessConnection, { description: "Who saw this customer's sensitive data, when and why (PIPL art. 45), newest first" })
  customerAccessHistory(@Arg('customerId', () => ID) customerId: string, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: RequestContext) {
    return customerAccessHistory(ctx.db, customerId, page);
  }

  @Query(() => ChangeRecordConnection, { description: 'Every registered change to one record, newest first' })
  changeHistory(@Arg('entity', () => AuditedEntity) entity: AuditedEntity, @Arg('id', () => ID) id: string, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: RequestContext) {
    return changeHistory(ctx.db, entity, id, page);
  }

  @Query(() => [PrincipalDay], { description: `Clear values per principal per day with anomalies flagged (default: the last 7 days; at most ${MAX_REPORT_DAYS})` })
  accessReport(@Arg('from', () => Date, { nullable: true }) from: Date | null, @Arg('to', () => Date, { nullable: true }) to: Date | null, @Ctx() ctx: RequestContext) {
    const range = defaultReportRange();
    const span = { from: from ?? range.from, to: to ?? range.to };
    if (span.to <= span.from) throw badUserInput('to', 'must be after from');
    if (span.to.getTime() - span.from.getTime() > MAX_REPORT_DAYS * 86_400_000) throw badUserInput('from', `the range may span at most ${MAX_REPORT_DAYS} days`);
    return accessReport(ctx.db, span);
  }
}
