/** Staff users (sales reps, service agents, managers, ...): relationships point at real rows. */
import { Check, Column, Entity, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { sqlEnumList, StaffDesignation, StaffRole } from './enums';

@ObjectType('StaffMember', { description: 'An employee: relationship manager, complaint handler, ...' })
@Entity({ name: 'staff' })
@Unique('staff_username_key', ['username'])
@Check('staff_role_check', `role IN ${sqlEnumList(StaffRole)}`)
@Check('staff_designations_check', `designations <@ ARRAY[${Object.values(StaffDesignation).map((d) => `'${d}'`).join(', ')}]::text[]`)
export class StaffMember {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'staff_pkey' })
  id!: string;

  @Field(() => String)
  @Column({ type: 'text' })
  username!: string;

  @Field(() => String)
  @Column({ name: 'display_name', type: 'text' })
  displayName!: string;

  @Field(() => StaffRole)
  @Column({ type: 'text' })
  role!: StaffRole;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  branch!: string | null;

  @Field(() => Boolean)
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @Field(() => Date, { nullable: true, description: 'Every token issued up to this instant is refused (revocation, deactivation)' })
  @Column({ name: 'tokens_valid_after', type: 'timestamptz', nullable: true })
  tokensValidAfter!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the member was last deactivated, reactivated or had their tokens revoked' })
  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason!: string | null;

  @Field(() => [StaffDesignation], { description: 'Duties on top of the role, given only by an administrator (permissions/erasure.ts)' })
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  designations!: StaffDesignation[];

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
