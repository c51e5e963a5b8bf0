/** Requests to move a customer to another relationship manager, and their decisions. */
import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, PageArgs } from '../common/connection';

export enum RelationshipManagerChangeStatus { PENDING = 'PENDING', APPROVED = 'APPROVED', REJECTED = 'REJECTED', CANCELLED = 'CANCELLED' }
registerEnumType(RelationshipManagerChangeStatus, { name: 'RelationshipManagerChangeStatus', description: 'PENDING until a second manager decides, or the requester cancels' });

@ObjectType({ description: "A request to make a sales rep a customer's relationship manager; it takes effect only when another manager approves it" })
export class RelationshipManagerChange {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => ID, { nullable: true, description: 'The relationship manager when the request was made (null: none)' })
  fromManagerId!: string | null;

  @Field(() => ID, { description: 'The sales rep who becomes relationship manager on approval' })
  toManagerId!: string;

  // Free text about a customer: masked like other staff notes (numbers inside hidden).
  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => RelationshipManagerChangeStatus)
  status!: RelationshipManagerChangeStatus;

  @Field(() => ID)
  requestedBy!: string;

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The manager who approved or rejected it: never the requester nor the new relationship manager' })
  decidedBy!: string | null;

  @Field(() => Date, { nullable: true, description: 'When it was approved, rejected or cancelled' })
  decidedAt!: Date | null;

  @Field(() => String, { nullable: true })
  decisionNote!: string | null;
}

export const RelationshipManagerChangeConnection = connectionType('RelationshipManagerChange', RelationshipManagerChange);

@InputType()
export class RequestRelationshipManagerChangeInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => ID, { description: 'An active sales rep other than the current relationship manager (a rep may not name themselves)' })
  relationshipManagerId!: string;

  @Field(() => String, { description: '1–500 characters' })
  reason!: string;
}

@ArgsType()
export class RelationshipManagerChangesArgs extends PageArgs {
  @Field(() => RelationshipManagerChangeStatus, { nullable: true })
  status?: RelationshipManagerChangeStatus | null;

  @Field(() => ID, { nullable: true })
  customerId?: string | null;
}
