/** Alerts raised by the governance's rules and by emergency grants. */
import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'An alert: which rule fired about whom, when, and whether the webhook took it (ids and counts, never a customer’s value)' })
export class Alert {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  rule!: string;

  @Field(() => String, { description: 'INFO, WARNING or CRITICAL' })
  severity!: string;

  @Field(() => String, { nullable: true, description: 'The principal it is about (staff id, partner:<id>)' })
  principalSub!: string | null;

  @Field(() => String, { nullable: true })
  subject!: string | null;

  @Field(() => String)
  summary!: string;

  @Field(() => String, { description: 'JSON: counts and ids' })
  detail!: string;

  @Field(() => [ID], { description: 'Staff notified (an emergency grant: every approver but the grantee)' })
  recipients!: string[];

  @Field(() => Date)
  raisedAt!: Date;

  @Field(() => Date, { nullable: true })
  deliveredAt!: Date | null;

  @Field(() => Int)
  deliveryAttempts!: number;

  @Field(() => String, { nullable: true })
  lastDeliveryError!: string | null;
}
