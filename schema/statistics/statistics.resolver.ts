/** Aggregates for analysts and managers; who may group by what is permissions/statistics.ts. */
import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../../src/context';
import { complaintStatistics, transactionStatistics } from './statistics.service';
import { ComplaintStatistics, ComplaintStatisticsArgs, TransactionStatistics, TransactionStatisticsArgs } from './statistics.types';

@Resolver()
export class StatisticsResolver {
  @Query(() => ComplaintStatistics, { description: 'Complaint counts, time to close, SLA breaches, delays explained and satisfaction by the dimensions asked for; cells under k customers suppressed' })
  complaintStatistics(@Args(() => ComplaintStatisticsArgs) args: ComplaintStatisticsArgs, @Ctx() ctx: RequestContext) {
    return complaintStatistics(ctx, args);
  }

  @Query(() => TransactionStatistics, { description: 'Transaction counts and amounts by the dimensions asked for; cells under k customers suppressed' })
  transactionStatistics(@Args(() => TransactionStatisticsArgs) args: TransactionStatisticsArgs, @Ctx() ctx: RequestContext) {
    return transactionStatistics(ctx, args);
  }
}
