/** Partner agreements (recorded, approved by a second person), termination and the supervision report. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum PartnerAgreementStatus { PENDING = 'PENDING', APPROVED = 'APPROVED', REJECTED = 'REJECTED', SUPERSEDED = 'SUPERSEDED' }
registerEnumType(PartnerAgreementStatus, { name: 'PartnerAgreementStatus', description: 'PENDING until the information-management head decides; a newer approved agreement supersedes the previous one' });

@ObjectType({ description: "A partner's agreement and risk assessment: no token is issued or served without an approved one" })
export class PartnerAgreement {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  partnerId!: string;

  @Field(() => String, { description: 'The signed agreement’s reference' })
  agreementRef!: string;

  @Field(() => String, { description: 'YYYY-MM-DD' })
  riskAssessedOn!: string;

  @Field(() => String, { description: 'YYYY-MM-DD; past it the partner works for the grace period, then is refused' })
  nextReviewOn!: string;

  @Field(() => PartnerAgreementStatus)
  status!: PartnerAgreementStatus;

  @Field(() => String)
  recordedBy!: string;

  @Field(() => Date)
  recordedAt!: Date;

  @Field(() => String, { nullable: true, description: 'Never who recorded it' })
  decidedBy!: string | null;

  @Field(() => Date, { nullable: true })
  decidedAt!: Date | null;
}

@InputType()
export class RecordPartnerAgreementInput {
  @Field(() => String)
  partnerId!: string;

  @Field(() => String, { description: '1–200 characters' })
  agreementRef!: string;

  @Field(() => String, { description: 'YYYY-MM-DD, not in the future' })
  riskAssessedOn!: string;

  @Field(() => String, { description: 'YYYY-MM-DD, in the future, at most the policy’s interval after the assessment' })
  nextReviewOn!: string;
}

@ObjectType({ description: 'What one partner did in a window, from the access register, and where it stands' })
export class PartnerSupervision {
  @Field(() => String)
  partnerId!: string;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => Date, { nullable: true })
  terminatedAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Next review date of the approved agreement' })
  nextReviewOn!: string | null;

  @Field(() => String, { description: 'NO_AGREEMENT, IN_ORDER, GRACE (review date passed, still served) or OVERDUE (refused)' })
  reviewState!: string;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int, { description: 'Requests refused (policy, limits, budgets, authentication)' })
  refused!: number;

  @Field(() => Int)
  clearValues!: number;

  @Field(() => Int)
  maskedValues!: number;

  @Field(() => Int, { description: 'Distinct customers whose data it received' })
  customers!: number;

  @Field(() => Int, { description: 'Sensitive values (clear + masked) used today against its daily budget' })
  budgetUsedToday!: number;

  @Field(() => Int)
  budgetPerDay!: number;

  @Field(() => Int, { description: 'Alerts raised about it in the window' })
  anomalies!: number;

  @Field(() => Int, { description: 'Consents in force' })
  consents!: number;
}

@ObjectType({ description: 'What terminating a partner did' })
export class PartnerTermination {
  @Field(() => String)
  partnerId!: string;

  @Field(() => Int)
  tokensRevoked!: number;

  @Field(() => Int)
  consentsEnded!: number;
}
