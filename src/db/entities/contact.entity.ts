/** A contact person of a customer (mostly of corporate customers). */
import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.entity';
import { Field, ID, ObjectType } from 'type-graphql';
import { SealedColumns } from './sealed-columns';

@ObjectType('Contact')
@Entity({ name: 'contacts' })
@SealedColumns('contacts')
@Index('contacts_customer_idx', ['customerId', 'createdAt', 'id'])
export class Contact {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'contacts_pkey' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => Customer, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'contacts_customer_fk' })
  customerRow?: Customer;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text' })
  name!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  position!: string | null;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;
}
