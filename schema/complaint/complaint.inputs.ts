/** Arguments and inputs of the complaint queries and mutations. */
import { ArgsType, Field, ID, InputType, Int } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { ComplaintCategory, ComplaintChannel, ComplaintReplyChannel, ComplaintSeverity, ComplaintStatus, ComplaintUrgency } from '../../src/db/entities';

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

  @Field(() => String, { nullable: true, description: 'What the customer asks for (seed 002 第十五条 客户要求; 1–1000 characters)' })
  customerRequest?: string | null;

  @Field(() => ComplaintReplyChannel, { nullable: true, description: 'How the customer wants to be answered (default: EMAIL for e-mail and online complaints, SMS otherwise)' })
  replyChannel?: ComplaintReplyChannel | null;
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

/** The workflow's steps (permissions/complaint-workflow.ts): one input type per shape. */
@InputType({ description: 'RECEIVED → ACKNOWLEDGED: the customer is told it was received, its number, the expected time and the method' })
export class AcknowledgeComplaintInput {
  @Field(() => ID)
  complaintId!: string;

  @Field(() => ComplaintReplyChannel, { description: 'How the customer is answered' })
  replyChannel!: ComplaintReplyChannel;

  @Field(() => String, { nullable: true, description: 'What the customer asks for, when not given at filing (1–1000 characters)' })
  customerRequest?: string | null;
}

@InputType({ description: 'ASSIGNED → INVESTIGATING: the handling plan' })
export class StartComplaintInvestigationInput {
  @Field(() => ID)
  complaintId!: string;

  @Field(() => String, { description: 'The measures (1–2000 characters)' })
  measures!: string;

  @Field(() => ID, { nullable: true, description: 'Who owns the plan (an active staff member); the assignee when absent' })
  ownerId?: string | null;

  @Field(() => Date, { description: 'The plan\'s deadline: not before now, not after the complaint\'s due time unless the delay is explained' })
  deadline!: Date;
}

@InputType()
export class ComplaintNoteInput {
  @Field(() => ID)
  complaintId!: string;

  @Field(() => String, { description: '1–1000 characters; on the timeline' })
  note!: string;
}

@InputType()
export class ComplaintReasonInput {
  @Field(() => ID)
  complaintId!: string;

  @Field(() => String, { description: '1–1000 characters' })
  reason!: string;
}

@InputType({ description: 'INVESTIGATING → RESOLVED: the investigation report (seed 002 第十七条) and the resolution the customer is told' })
export class ResolveComplaintInput {
  @Field(() => ID)
  complaintId!: string;

  @Field(() => String, { description: 'Cause (1–2000 characters)' })
  cause!: string;

  @Field(() => String, { description: 'Course of events (1–2000 characters)' })
  course!: string;

  @Field(() => String, { description: 'Who is responsible (1–2000 characters)' })
  responsibility!: string;

  @Field(() => String, { description: 'Conclusion (1–2000 characters)' })
  conclusion!: string;

  @Field(() => String, { description: 'Countermeasures and prevention (1–2000 characters)' })
  countermeasures!: string;

  @Field(() => String, { description: 'What the customer is told (1–2000 characters)' })
  resolution!: string;
}

@InputType()
export class CloseComplaintInput {
  @Field(() => ID)
  complaintId!: string;
}

@InputType({ description: 'The follow-up survey; 1 or 2 reopens the complaint' })
export class ComplaintSatisfactionInput {
  @Field(() => ID)
  complaintId!: string;

  @Field(() => Int, { description: '1 (poor) to 5 (excellent)' })
  score!: number;

  @Field(() => String, { nullable: true, description: '0–1000 characters' })
  comment?: string | null;
}

@ArgsType()
export class ComplaintWorklistArgs {
  @Field(() => ID, { nullable: true, description: 'One agent\'s complaints (service agents: always their own)' })
  assigneeId?: string | null;

  @Field(() => String, { nullable: true, description: 'One branch\'s complaints' })
  branch?: string | null;

  @Field(() => Int, { nullable: true, description: 'Near due: due within this many hours (default: the escalation window)' })
  withinHours?: number | null;

  @Field(() => Int, { defaultValue: 50, description: 'At most 100' })
  first!: number;
}
