/** The periodic access review: one line per staff member and partner, and the decisions taken on them. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { StaffRole } from '../../src/db/entities';

export enum ReviewPrincipalKind { STAFF = 'STAFF', PARTNER = 'PARTNER' }
registerEnumType(ReviewPrincipalKind, { name: 'ReviewPrincipalKind' });

export enum AccessReviewDecisionKind { KEEP = 'KEEP', REVOKE = 'REVOKE', CHANGE = 'CHANGE' }
registerEnumType(AccessReviewDecisionKind, { name: 'AccessReviewDecisionKind', description: 'KEEP records; REVOKE and CHANGE are carried out through the directory at once' });

@ObjectType({ description: 'What one staff member or partner holds and did over the review period (from the directory and the access register)' })
export class AccessReviewLine {
  @Field(() => ReviewPrincipalKind)
  kind!: ReviewPrincipalKind;

  @Field(() => String, { description: 'Staff id or partner id' })
  principal!: string;

  @Field(() => String, { description: 'Username or partner name' })
  name!: string;

  @Field(() => String, { description: 'Directory role (partners: partner)' })
  role!: string;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => [String])
  designations!: string[];

  @Field(() => Date, { nullable: true, description: 'Staff: tokens issued before this are refused' })
  tokensValidAfter!: Date | null;

  @Field(() => Int, { description: 'Partners: tokens neither revoked nor expired' })
  activeTokens!: number;

  @Field(() => Date, { nullable: true, description: 'Last request in the register (any time)' })
  lastUsed!: Date | null;

  @Field(() => Boolean, { description: 'Not seen in the register for the policy’s unused period: listed first' })
  unused!: boolean;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  clearValues!: number;

  @Field(() => Int, { description: 'Distinct clear-access grants whose values it received' })
  grantsUsed!: number;

  @Field(() => Int, { description: 'Customers it is relationship manager of' })
  customersManaged!: number;

  @Field(() => Int, { description: 'Open complaints assigned to it' })
  openComplaints!: number;

  @Field(() => Int, { description: 'Consents in force (partners)' })
  consents!: number;

  @Field(() => Int, { description: 'Alerts raised about it in the period' })
  anomalies!: number;

  @Field(() => String, { nullable: true })
  lastDecision!: string | null;

  @Field(() => Date, { nullable: true })
  lastDecisionAt!: Date | null;
}

@ObjectType({ description: 'A decision of the access review, as recorded and carried out' })
export class AccessReviewDecision {
  @Field(() => ID)
  id!: string;

  @Field(() => Date)
  reviewedAt!: Date;

  @Field(() => ID)
  reviewer!: string;

  @Field(() => ReviewPrincipalKind)
  principalKind!: ReviewPrincipalKind;

  @Field(() => String)
  principalRef!: string;

  @Field(() => AccessReviewDecisionKind)
  decision!: AccessReviewDecisionKind;

  @Field(() => String, { nullable: true })
  newRole!: string | null;

  @Field(() => String, { nullable: true })
  note!: string | null;
}

@InputType()
export class AccessReviewDecisionInput {
  @Field(() => ReviewPrincipalKind)
  principalKind!: ReviewPrincipalKind;

  @Field(() => String, { description: 'Staff id or username, or partner id' })
  principal!: string;

  @Field(() => AccessReviewDecisionKind)
  decision!: AccessReviewDecisionKind;

  @Field(() => StaffRole, { nullable: true, description: 'CHANGE of a staff member: the role they keep' })
  newRole?: StaffRole | null;

  @Field(() => String, { description: '1–500 characters, no numbers of a person' })
  note!: string;
}
