/** Clear-access grants (break-glass): requests, decisions, emergency grants and their reviews. */
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, PageArgs } from '../common/connection';

export enum ClearAccessGrantStatus { PENDING = 'PENDING', APPROVED = 'APPROVED', REJECTED = 'REJECTED', CANCELLED = 'CANCELLED', REVOKED = 'REVOKED' }
registerEnumType(ClearAccessGrantStatus, {
  name: 'ClearAccessGrantStatus',
  description: 'PENDING until a second person decides; APPROVED (emergency grants: at once) opens the fields until `expiresAt`; REVOKED ends it early',
});

export enum EmergencyReviewOutcome { JUSTIFIED = 'JUSTIFIED', NOT_JUSTIFIED = 'NOT_JUSTIFIED' }
registerEnumType(EmergencyReviewOutcome, { name: 'EmergencyReviewOutcome', description: 'What the reviewer of an emergency grant found (NOT_JUSTIFIED also ends it if still in force)' });

@ObjectType({ description: "Clear access to named fields of one customer for one manager, a purpose and a limited time: approved by a second person, or opened in an emergency and reviewed afterwards. Never carries the customer's data." })
export class ClearAccessGrant {
  @Field(() => ID)
  id!: string;

  @Field(() => ID, { description: 'The manager who asked and whom the grant serves' })
  granteeId!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => [String], { description: 'Coordinates it opens, e.g. Customer.phone' })
  fields!: string[];

  @Field(() => String, { description: 'The purpose a request must declare to be served under the grant' })
  purpose!: string;

  // Free text about a customer: masked like other staff notes (refused with numbers inside anyway).
  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => Int, { description: 'How long it lasts once approved (at most the policy’s maximum)' })
  minutes!: number;

  @Field(() => Boolean, { description: 'Opened without prior approval (break-glass): short, notified, reviewed afterwards' })
  emergency!: boolean;

  @Field(() => ClearAccessGrantStatus)
  status!: ClearAccessGrantStatus;

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => ID, { nullable: true, description: 'Who approved or rejected it: never the grantee' })
  decidedBy!: string | null;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;

  @Field(() => String, { nullable: true })
  decisionNote!: string | null;

  @Field(() => Date, { nullable: true })
  startsAt!: Date | null;

  @Field(() => Date, { nullable: true })
  expiresAt!: Date | null;

  @Field(() => Boolean, { description: 'Approved, started, not expired and not revoked: the policy serves its fields clear now' })
  inForce!: boolean;

  @Field(() => Int, { description: 'Values the grant released, from the access register (each registered with reason GRANT and this id)' })
  valuesReleased!: number;

  @Field(() => ID, { nullable: true })
  revokedBy!: string | null;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => String, { nullable: true })
  revokeReason!: string | null;

  @Field(() => ID, { nullable: true, description: 'Who reviewed the emergency grant: never the grantee' })
  reviewedBy!: string | null;

  @Field(() => Date, { nullable: true })
  reviewedAt!: Date | null;

  @Field(() => EmergencyReviewOutcome, { nullable: true })
  reviewOutcome!: EmergencyReviewOutcome | null;

  @Field(() => String, { nullable: true })
  reviewNote!: string | null;
}

export const ClearAccessGrantConnection = connectionType('ClearAccessGrant', ClearAccessGrant);

@InputType()
export class RequestClearAccessInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => [String], { description: 'Customer fields to see clear (`phone` or `Customer.phone`): among those the policy lets the role request' })
  fields!: string[];

  @Field(() => String, { description: 'One of the role’s purposes: the grant serves only requests declaring it' })
  purpose!: string;

  @Field(() => String, { description: '1–500 characters, no ID, phone, card or account number and no e-mail address' })
  reason!: string;

  @Field(() => Int, { nullable: true, description: 'Minutes it lasts once approved; the policy’s maximum when absent, refused above it' })
  minutes?: number | null;
}

@InputType()
export class EmergencyClearAccessInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => [String])
  fields!: string[];

  @Field(() => String)
  purpose!: string;

  @Field(() => String, { description: 'Why the customer is harmed by waiting: 1–500 characters, no numbers of a person' })
  reason!: string;
}

@ArgsType()
export class ClearAccessGrantsArgs extends PageArgs {
  @Field(() => ClearAccessGrantStatus, { nullable: true })
  status?: ClearAccessGrantStatus | null;

  @Field(() => ID, { nullable: true })
  customerId?: string | null;

  @Field(() => ID, { nullable: true })
  granteeId?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'Only emergency grants not reviewed yet' })
  unreviewedEmergency?: boolean | null;
}
