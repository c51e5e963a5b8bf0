/** A customer complaint and its workflow (seeds 000, 002, 004): closed within 7 days. */
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.entity';
import { StaffMember } from './staff-member.entity';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { SealedColumns } from './sealed-columns';
import { ComplaintCategory, ComplaintChannel, ComplaintReplyChannel, ComplaintSeverity, ComplaintStatus, ComplaintUrgency, sqlEnumList } from './enums';

@ObjectType('Complaint')
@Entity({ name: 'complaints' })
@SealedColumns('complaints')
@Check('complaints_channel_check', `channel IN ${sqlEnumList(ComplaintChannel)}`)
@Check('complaints_category_check', `category IN ${sqlEnumList(ComplaintCategory)}`)
@Check('complaints_urgency_check', `urgency IN ${sqlEnumList(ComplaintUrgency)}`)
@Check('complaints_severity_check', `severity IN ${sqlEnumList(ComplaintSeverity)}`)
@Check('complaints_status_check', `status IN ${sqlEnumList(ComplaintStatus)}`)
@Check('complaints_reply_channel_check', `reply_channel IN ${sqlEnumList(ComplaintReplyChannel)}`)
@Check('complaints_satisfaction_check', 'satisfaction BETWEEN 1 AND 5')
@Check('complaints_due_check', 'due_at >= received_at')
// Nobody grants themselves the clear access an assignment opens.
@Check('complaints_not_self_assigned_check', 'assigned_by IS DISTINCT FROM assignee_id OR assignee_id IS NULL')
@Index('complaints_assigned_by_idx', ['assignedBy'])
@Index('complaints_customer_idx', ['customerId', 'receivedAt', 'id'])
@Index('complaints_received_at_idx', ['receivedAt', 'id'])
@Index('complaints_status_idx', ['status', 'receivedAt'])
@Index('complaints_assignee_idx', ['assigneeId', 'receivedAt'])
// The two halves of "overdue": open past its due time, or closed after it.
@Index('complaints_open_due_idx', ['dueAt'], { where: 'closed_at IS NULL' })
@Index('complaints_closed_late_idx', ['receivedAt'], { where: 'closed_at > due_at' })
@Index('complaints_number_key', ['number'], { unique: true })
@Index('complaints_handling_owner_idx', ['handlingOwnerId'])
@Index('complaints_escalated_by_idx', ['escalatedBy'])
// The worklist and the escalation job: complaints still worked, by due time.
@Index('complaints_worked_due_idx', ['dueAt'], { where: `status IN ('RECEIVED', 'ACKNOWLEDGED', 'ASSIGNED', 'INVESTIGATING')` })
export class Complaint {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'complaints_pkey' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => Customer, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'complaints_customer_fk' })
  customerRow?: Customer;

  @Field(() => String, { description: 'Human-readable: TS-<year and month of receipt>-<six digits> (seed 002 第十五条 编号)' })
  @Column({ type: 'text' })
  number!: string;

  @Field(() => ComplaintChannel)
  @Column({ type: 'text' })
  channel!: ComplaintChannel;

  @Field(() => ComplaintCategory)
  @Column({ type: 'text' })
  category!: ComplaintCategory;

  @Field(() => String, { nullable: true, description: 'Free text; may contain phone or ID numbers' })
  description!: string | null;

  @Field(() => ComplaintUrgency)
  @Column({ type: 'text' })
  urgency!: ComplaintUrgency;

  @Field(() => ComplaintSeverity)
  @Column({ type: 'text' })
  severity!: ComplaintSeverity;

  @Field(() => ComplaintStatus)
  @Column({ type: 'text', default: ComplaintStatus.RECEIVED })
  status!: ComplaintStatus;

  @Column({ name: 'assignee_id', type: 'uuid', nullable: true })
  assigneeId!: string | null;

  @ManyToOne(() => StaffMember, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'assignee_id', foreignKeyConstraintName: 'complaints_assignee_fk' })
  assigneeRow?: StaffMember;

  /** Who assigned it (a manager): never the assignee. */
  @Column({ name: 'assigned_by', type: 'uuid', nullable: true })
  assignedBy!: string | null;

  @ManyToOne(() => StaffMember, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'assigned_by', foreignKeyConstraintName: 'complaints_assigned_by_fk' })
  assignedByRow?: StaffMember;

  @Field(() => Date, { nullable: true, description: 'When the current assignee was assigned' })
  @Column({ name: 'assigned_at', type: 'timestamptz', nullable: true })
  assignedAt!: Date | null;

  @Field(() => Date)
  @Column({ name: 'received_at', type: 'timestamptz', default: () => 'now()' })
  receivedAt!: Date;

  @Field(() => Date, { description: 'received + 7 days (seed 002 art. 26)' })
  @Column({ name: 'due_at', type: 'timestamptz' })
  dueAt!: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'resolved_at', type: 'timestamptz', nullable: true })
  resolvedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  @Field(() => String, { nullable: true })
  resolution!: string | null;

  @Field(() => String, { nullable: true, description: 'Why it took longer than 7 days, when it did' })
  delayReason!: string | null;

  @Field(() => Int, { nullable: true, description: 'Follow-up survey, 1 (poor) to 5 (excellent)' })
  @Column({ type: 'smallint', nullable: true })
  satisfaction!: number | null;

  @Field(() => Boolean, { description: 'Not closed by its due time, or closed after it' })
  overdue!: boolean;

  @Field(() => String, { nullable: true, description: 'What the customer asks for (seed 002 第十五条 客户要求); free text' })
  customerRequest!: string | null;

  @Field(() => ComplaintReplyChannel, { nullable: true, description: 'How the customer is told of receipt, progress, delay and result' })
  @Column({ name: 'reply_channel', type: 'text', nullable: true })
  replyChannel!: ComplaintReplyChannel | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'First progress due by then (received + the interim deadline)' })
  @Column({ name: 'interim_due_at', type: 'timestamptz', nullable: true })
  interimDueAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the customer first heard of progress (the handling plan)' })
  @Column({ name: 'first_progress_at', type: 'timestamptz', nullable: true })
  firstProgressAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Handling plan: the measures (free text)' })
  handlingMeasures!: string | null;

  @Column({ name: 'handling_owner_id', type: 'uuid', nullable: true })
  handlingOwnerId!: string | null;

  @ManyToOne(() => StaffMember, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'handling_owner_id', foreignKeyConstraintName: 'complaints_handling_owner_fk' })
  handlingOwnerRow?: StaffMember;

  @Field(() => Date, { nullable: true, description: 'Handling plan: its deadline' })
  @Column({ name: 'handling_deadline', type: 'timestamptz', nullable: true })
  handlingDeadline!: Date | null;

  @Field(() => String, { nullable: true, description: 'Investigation report (seed 002 第十七条): the cause' })
  investigationCause!: string | null;

  @Field(() => String, { nullable: true, description: 'Investigation report: the course of events' })
  investigationCourse!: string | null;

  @Field(() => String, { nullable: true, description: 'Investigation report: who is responsible' })
  investigationResponsibility!: string | null;

  @Field(() => String, { nullable: true, description: 'Investigation report: the conclusion' })
  investigationConclusion!: string | null;

  @Field(() => String, { nullable: true, description: 'Investigation report: countermeasures and prevention' })
  investigationCountermeasures!: string | null;

  @Field(() => String, { nullable: true, description: 'Follow-up survey comment' })
  satisfactionComment!: string | null;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'delay_explained_at', type: 'timestamptz', nullable: true })
  delayExplainedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Raised to a manager (by a manager, or by the escalation job near the due time with no progress)' })
  @Column({ name: 'escalated_at', type: 'timestamptz', nullable: true })
  escalatedAt!: Date | null;

  /** Who escalated it (null: the escalation job). */
  @Column({ name: 'escalated_by', type: 'uuid', nullable: true })
  escalatedBy!: string | null;

  @ManyToOne(() => StaffMember, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'escalated_by', foreignKeyConstraintName: 'complaints_escalated_by_fk' })
  escalatedByRow?: StaffMember;

  @Field(() => Int, { description: 'Times reopened (an unhappy customer)' })
  @Column({ name: 'reopen_count', type: 'integer', default: 0 })
  reopenCount!: number;

  @Field(() => String, { nullable: true, description: 'The branch that received it (the filer\'s)' })
  @Column({ type: 'text', nullable: true })
  branch!: string | null;
}
