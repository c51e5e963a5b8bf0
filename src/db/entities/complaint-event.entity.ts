/** One step of a complaint's timeline (received, assigned, ..., closed). */
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Complaint } from './complaint.entity';
import { StaffMember } from './staff-member.entity';
import { Field, ID, ObjectType } from 'type-graphql';
import { SealedColumns } from './sealed-columns';
import { ComplaintEventKind, ComplaintStatus, sqlEnumList } from './enums';

@ObjectType('ComplaintEvent')
@Entity({ name: 'complaint_events' })
@SealedColumns('complaint_events')
@Check('complaint_events_status_check', `status IN ${sqlEnumList(ComplaintStatus)}`)
@Check('complaint_events_kind_check', `kind IN ${sqlEnumList(ComplaintEventKind)}`)
@Index('complaint_events_complaint_idx', ['complaintId', 'occurredAt'])
@Index('complaint_events_actor_idx', ['actorId'])
export class ComplaintEvent {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'complaint_events_pkey' })
  id!: string;

  @Column({ name: 'complaint_id', type: 'uuid' })
  complaintId!: string;

  @ManyToOne(() => Complaint, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'complaint_id', foreignKeyConstraintName: 'complaint_events_complaint_fk' })
  complaintRow?: Complaint;

  @Field(() => Date)
  @Column({ name: 'occurred_at', type: 'timestamptz', default: () => 'now()' })
  occurredAt!: Date;

  @Field(() => ComplaintStatus)
  @Column({ type: 'text' })
  status!: ComplaintStatus;

  @Field(() => ComplaintEventKind)
  @Column({ type: 'text', default: ComplaintEventKind.STATUS })
  kind!: ComplaintEventKind;

  /** Order of entries written at one instant. */
  @Column({ type: 'bigint', generated: 'identity', generatedIdentity: 'ALWAYS', select: false })
  seq!: string;

  @Column({ name: 'actor_id', type: 'uuid', nullable: true })
  actorId!: string | null;

  @ManyToOne(() => StaffMember, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'actor_id', foreignKeyConstraintName: 'complaint_events_actor_fk' })
  actorRow?: StaffMember;

  @Field(() => String, { nullable: true })
  note!: string | null;
}
