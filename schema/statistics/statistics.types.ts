/** The aggregates' GraphQL shapes: a cell per combination of the dimensions asked for, small cells suppressed. */
import { ArgsType, Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import { COMPLAINT_DIMENSIONS, TRANSACTION_DIMENSIONS } from '../../permissions/statistics';

export const ComplaintDimension = Object.fromEntries(COMPLAINT_DIMENSIONS.map((d) => [d, d])) as { [K in (typeof COMPLAINT_DIMENSIONS)[number]]: K };
registerEnumType(ComplaintDimension, { name: 'ComplaintDimension', description: 'MONTH of receipt (China time), CATEGORY, CHANNEL, STATUS, the receiving BRANCH' });
export const TransactionDimension = Object.fromEntries(TRANSACTION_DIMENSIONS.map((d) => [d, d])) as { [K in (typeof TRANSACTION_DIMENSIONS)[number]]: K };
registerEnumType(TransactionDimension, { name: 'TransactionDimension', description: 'MONTH (China time), CHANNEL, DIRECTION, CURRENCY, the customer\'s TIER and PROVINCE' });

@ArgsType()
export class ComplaintStatisticsArgs {
  @Field(() => Date, { description: 'Received from (inclusive)' })
  from!: Date;

  @Field(() => Date, { description: 'Received before (exclusive); at most 2 years after `from`' })
  to!: Date;

  @Field(() => [ComplaintDimension], { description: 'Dimensions the role may group by (docs/policy.md); [] gives one cell' })
  groupBy!: string[];
}

@ArgsType()
export class TransactionStatisticsArgs {
  @Field(() => Date)
  from!: Date;

  @Field(() => Date)
  to!: Date;

  @Field(() => [TransactionDimension])
  groupBy!: string[];
}

@ObjectType('ComplaintStatisticsCell')
export class ComplaintStatisticsCell {
  @Field(() => String, { nullable: true, description: 'YYYY-MM, when grouped by MONTH' })
  month!: string | null;

  @Field(() => String, { nullable: true })
  category!: string | null;

  @Field(() => String, { nullable: true })
  channel!: string | null;

  @Field(() => String, { nullable: true })
  status!: string | null;

  @Field(() => String, { nullable: true })
  branch!: string | null;

  @Field(() => Int)
  complaints!: number;

  @Field(() => Int, { description: 'Distinct customers: at least k in every published cell' })
  customers!: number;

  @Field(() => Int)
  closed!: number;

  @Field(() => Float, { nullable: true, description: 'Hours from receipt to closing, median of the closed ones' })
  medianHoursToClose!: number | null;

  @Field(() => Float, { nullable: true, description: 'Hours from receipt to closing, 90th percentile of the closed ones' })
  p90HoursToClose!: number | null;

  @Field(() => Int, { description: 'Closed after the due time, or not closed by it (as Complaint.overdue)' })
  slaBreaches!: number;

  @Field(() => Int, { description: 'Complaints whose delay was explained' })
  delaysExplained!: number;

  @Field(() => Float, { nullable: true })
  satisfactionMean!: number | null;

  @Field(() => [Int], { description: 'Answers scoring 1, 2, 3, 4, 5' })
  satisfaction!: number[];
}

@ObjectType('ComplaintStatistics')
export class ComplaintStatistics {
  @Field(() => Int, { description: 'Cells with fewer distinct customers are suppressed' })
  k!: number;

  @Field(() => [String])
  groupBy!: string[];

  @Field(() => Int, { description: 'Cells left out: fewer than k customers, or left out with one that was' })
  suppressedCells!: number;

  @Field(() => [ComplaintStatisticsCell])
  cells!: ComplaintStatisticsCell[];
}

@ObjectType('TransactionStatisticsCell')
export class TransactionStatisticsCell {
  @Field(() => String, { nullable: true })
  month!: string | null;

  @Field(() => String, { nullable: true })
  channel!: string | null;

  @Field(() => String, { nullable: true })
  direction!: string | null;

  @Field(() => String, { nullable: true })
  currency!: string | null;

  @Field(() => String, { nullable: true })
  tier!: string | null;

  @Field(() => String, { nullable: true, description: 'From the generalised address (province); "unknown" when none' })
  province!: string | null;

  @Field(() => Int)
  transactions!: number;

  @Field(() => Int)
  customers!: number;

  @Field(() => String, { nullable: true, description: 'Exact decimal; only when grouped by CURRENCY (amounts of different currencies do not add up)' })
  totalAmount!: string | null;

  @Field(() => String, { nullable: true, description: 'Exact decimal, 2 places; only when grouped by CURRENCY' })
  averageAmount!: string | null;
}

@ObjectType('TransactionStatistics')
export class TransactionStatistics {
  @Field(() => Int)
  k!: number;

  @Field(() => [String])
  groupBy!: string[];

  @Field(() => Int)
  suppressedCells!: number;

  @Field(() => [TransactionStatisticsCell])
  cells!: TransactionStatisticsCell[];
}
