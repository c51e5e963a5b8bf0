/** De-duplication reviews of new customers, and a manager's decision on each. */
import { ArgsType, Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, PageArgs } from '../common/connection';

export enum CustomerReviewStatus { OPEN = 'OPEN', MERGED = 'MERGED', KEPT = 'KEPT', REJECTED = 'REJECTED' }
registerEnumType(CustomerReviewStatus, { name: 'CustomerReviewStatus', description: 'OPEN until a manager other than the creator resolves it' });

export enum CustomerReviewDecision { KEEP = 'KEEP', MERGE = 'MERGE', REJECT = 'REJECT' }
registerEnumType(CustomerReviewDecision, {
  name: 'CustomerReviewDecision',
  description: 'KEEP activates the new customer (refused while a customer with its ID number stands); MERGE closes it as the existing customer; REJECT closes it',
});

@ObjectType({ description: 'A new individual customer awaiting a manager: its creator was never told whether its ID number was already a customer\'s' })
export class CustomerDuplicateReview {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The new customer (PENDING_REVIEW while the review is open)' })
  customerId!: string;

  @Field(() => Boolean, { description: 'Whether another customer had the same ID number when the new one was created' })
  duplicate!: boolean;

  @Field(() => ID, { nullable: true, description: 'That customer' })
  duplicateOfId!: string | null;

  @Field(() => CustomerReviewStatus)
  status!: CustomerReviewStatus;

  @Field(() => ID)
  createdBy!: string;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The manager who resolved it: never the creator' })
  decidedBy!: string | null;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;

  // Free text about a customer: masked like other staff notes (numbers inside hidden).
  @Field(() => String, { nullable: true })
  note!: string | null;
}

export const CustomerDuplicateReviewConnection = connectionType('CustomerDuplicateReview', CustomerDuplicateReview);

@ArgsType()
export class CustomerReviewsArgs extends PageArgs {
  @Field(() => CustomerReviewStatus, { nullable: true })
  status?: CustomerReviewStatus | null;
}
