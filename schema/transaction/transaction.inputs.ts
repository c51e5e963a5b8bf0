/** Arguments and inputs of the transaction queries and mutations. */
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { DecimalScalar } from '../../src/scalars';
import { TransactionChannel, TransactionDirection } from '../../src/db/entities';

@InputType()
export class TransactionFilter {
  @Field(() => ID, { nullable: true, description: 'Ignored under Customer.transactions' })
  customerId?: string | null;

  @Field(() => Date, { nullable: true, description: 'Occurred at or after' })
  occurredFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Occurred before' })
  occurredTo?: Date | null;

  @Field(() => DecimalScalar, { nullable: true })
  minAmount?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  maxAmount?: string | null;

  @Field(() => TransactionDirection, { nullable: true })
  direction?: TransactionDirection | null;

  @Field(() => TransactionChannel, { nullable: true })
  channel?: TransactionChannel | null;
}

@ArgsType()
export class TransactionsArgs extends PageArgs {
  @Field(() => TransactionFilter, { nullable: true })
  filter?: TransactionFilter | null;
}

@InputType()
export class RecordTransactionInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => DecimalScalar, { description: 'Greater than 0' })
  amount!: string;

  @Field(() => String, { nullable: true, defaultValue: 'CNY', description: 'ISO 4217' })
  currency?: string | null;

  @Field(() => TransactionDirection)
  direction!: TransactionDirection;

  @Field(() => TransactionChannel)
  channel!: TransactionChannel;

  @Field(() => String)
  product!: string;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => String, { nullable: true, description: "Defaults to the customer's bank card number" })
  accountNumber?: string | null;

  @Field(() => String, { nullable: true })
  counterpartyName?: string | null;

  @Field(() => String, { nullable: true })
  counterpartyAccount?: string | null;

  @Field(() => Date, { nullable: true, description: 'Defaults to now; not in the future' })
  occurredAt?: Date | null;
}
