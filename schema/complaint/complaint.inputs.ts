/** Arguments and inputs of the complaint queries and mutations. */
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { ComplaintCategory, ComplaintChannel, ComplaintSeverity, ComplaintStatus, ComplaintUrgency } from '../../src/db/entities';

@InputType()
export class ComplaintFilter {
  @Field(() => ComplaintStatus, { nullable: true })
  status?: ComplaintStatus | null;

  @Field(() => Boolean, { nullable: true, description: 'true: past due and not closed, or closed late; false: the others' })
  overdue?: boolean | null;

  @Field(() => ID, { nullable: true })
  assigneeId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Ignored under Customer.complaints' })
  customerId?: string | null;
}

@ArgsType()
export class ComplaintsArgs extends PageArgs {
  @Field(() => ComplaintFilter, { nullable: true })
  filter?: ComplaintFilter | null;
}

@InputType()
export class FileComplaintInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => ComplaintChannel)
  channel!: ComplaintChannel;

  @Field(() => ComplaintCategory)
  category!: ComplaintCategory;

  @Field(() => String, { description: '1–4000 characters' })
  description!: string;

  @Field(() => ComplaintUrgency, { defaultValue: ComplaintUrgency.NORMAL })
  urgency!: ComplaintUrgency;

  @Field(() => ComplaintSeverity, { defaultValue: ComplaintSeverity.MODERATE })
  severity!: ComplaintSeverity;

  @Field(() => ID, { nullable: true, description: 'An active service agent other than the caller (managers only); the complaint starts ASSIGNED' })
  assigneeId?: string | null;
}

@InputType({ description: 'A manager assigns (or reassigns) a complaint to a service agent; never to themselves' })
export class AssignComplaintInput {
  @Field(() => ID)
  complaintId!: string;

  @Field(() => ID, { description: 'An active service agent other than the caller' })
  assigneeId!: string;

  @Field(() => String, { nullable: true, description: 'Why this agent (0–500 characters); on the timeline' })
  note?: string | null;
}
