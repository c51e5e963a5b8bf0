/** A transaction on a customer's account: exact decimal amount, timestamptz. */
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { Customer } from './customer.entity';
import { Field, ID, ObjectType } from 'type-graphql';
import { DecimalScalar } from '../../scalars';
import { SealedColumns } from './sealed-columns';
import { sqlEnumList, TransactionChannel, TransactionDirection, TransactionStatus } from './enums';

@ObjectType('Transaction')
@Entity({ name: 'transactions' })
@SealedColumns('transactions')
@Check('transactions_amount_check', 'amount > 0')
@Check('transactions_currency_check', `currency ~ '^[A-Z]{3}$'`)
@Check('transactions_direction_check', `direction IN ${sqlEnumList(TransactionDirection)}`)
@Check('transactions_channel_check', `channel IN ${sqlEnumList(TransactionChannel)}`)
@Check('transactions_status_check', `status IN ${sqlEnumList(TransactionStatus)}`)
@Index('transactions_customer_idx', ['customerId', 'occurredAt', 'id'])
@Index('transactions_occurred_at_idx', ['occurredAt', 'id'])
@Index('transactions_channel_idx', ['channel', 'occurredAt'])
@Index('transactions_direction_idx', ['direction', 'occurredAt'])
@Index('transactions_amount_idx', ['amount'])
export class Transaction {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'transactions_pkey' })
  id!: string;

  @Column({ name: 'customer_id', type: 'uuid' })
  customerId!: string;

  @ManyToOne(() => Customer, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'customer_id', foreignKeyConstraintName: 'transactions_customer_fk' })
  customerRow?: Customer;

  @Field(() => Date)
  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Field(() => DecimalScalar, { nullable: true, description: 'Always positive; see direction' })
  @Column({ type: 'numeric', precision: 18, scale: 2 })
  amount!: string | null;

  @Field(() => String, { description: 'ISO 4217 code' })
  @Column({ type: 'char', length: 3, default: 'CNY' })
  currency!: string;

  @Field(() => TransactionDirection)
  @Column({ type: 'text' })
  direction!: TransactionDirection;

  @Field(() => TransactionChannel)
  @Column({ type: 'text' })
  channel!: TransactionChannel;

  @Field(() => String, { description: 'Product or service' })
  @Column({ type: 'text' })
  product!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => String, { nullable: true, description: "The customer's account or card number" })
  accountNumber!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'counterparty_name', type: 'text', nullable: true })
  counterpartyName!: string | null;

  @Field(() => String, { nullable: true })
  counterpartyAccount!: string | null;

  @Field(() => TransactionStatus)
  @Column({ type: 'text', default: TransactionStatus.COMPLETED })
  status!: TransactionStatus;
}
