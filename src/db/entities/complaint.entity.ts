/** A customer complaint and its workflow (seeds 000, 002, 004): closed within 7 days. */
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.entity';
import { StaffMember } from './staff-member.entity';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { SealedColumns } from './sealed-columns';
import { ComplaintCategory, ComplaintChannel, ComplaintSeverity, ComplaintStatus, ComplaintUrgency, sqlEnumList } from './enums';

@ObjectType('Complaint')
@Entity({ name: 'complaints' })
@SealedColumns('complaints')
@Check('complaints_channel_check', `channel IN ${sqlEnumList(ComplaintChannel)}`)
@Check('complaints_category_check', `category IN ${sqlEnumList(ComplaintCategory)}`)
@Check('complaints_urgency_check', `urgency IN ${sqlEnumList(ComplaintUrgency)}`)
@Check('complaints_severity_check', `severity IN ${sqlEnumList(ComplaintSeverity)}`)
@Check('complaints_status_check', `status IN ${sqlEnumList(ComplaintStatus)}`)
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
export class Complaint {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'complaints_pkey' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => Customer, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'complaints_customer_fk' })
  customerRow?: Customer;

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
}
