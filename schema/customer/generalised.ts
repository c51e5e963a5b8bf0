/**
 * Typed generalisations of values that a role may see only generalised: the year of a birth date,
 * the bucket of an amount. Where the source field is masked it is null (its masked text is no Date
 * or Decimal), and these carry the generalised value in a type a typed client can parse.
 */
import { Field, ObjectType } from 'type-graphql';
import { DecimalScalar } from '../../src/scalars';

@ObjectType('MoneyRange', { description: 'The bucket an amount falls in (CNY): min ≤ amount < max; max null above the last bucket' })
export class MoneyRange {
  @Field(() => DecimalScalar)
  min!: string;

  @Field(() => DecimalScalar, { nullable: true })
  max!: string | null;
}
