/** Partners, their tokens, registered operations, and customers' consents to sharing with them. */
import { Field, ID, InputType, Int, ObjectType } from 'type-graphql';
import { ConsentEvidenceKind, EVIDENCE_FORMATS } from './consent-evidence';

@ObjectType({ description: 'A third party that receives customer data under consent' })
export class Partner {
  @Field(() => ID, { description: 'Short id (a-z, 0-9, -), the `partner` claim of its tokens' })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Purposes customers may consent to for this partner' })
  purposes!: string[];

  @Field(() => Boolean, { description: 'Only registered operations are served to its tokens' })
  allowListOnly!: boolean;

  @Field(() => Boolean)
  active!: boolean;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType({ description: 'A partner token as stored: its id and scopes, never the token itself' })
export class PartnerToken {
  @Field(() => ID, { description: 'The token id (JWT `jti`)' })
  id!: string;

  @Field(() => String)
  partnerId!: string;

  @Field(() => [String])
  scopes!: string[];

  @Field(() => Date)
  issuedAt!: Date;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => String)
  issuedBy!: string;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The token this one replaced (rotation)' })
  replaces!: string | null;
}

@ObjectType({ description: 'A newly issued token: `token` is shown this once and stored nowhere' })
export class IssuedPartnerToken {
  @Field(() => String)
  token!: string;

  @Field(() => PartnerToken)
  details!: PartnerToken;
}

@ObjectType({ description: 'An operation a partner may run when its allow-list is on' })
export class PartnerOperation {
  @Field(() => String)
  partnerId!: string;

  @Field(() => String, { description: 'SHA-256 (hex) of the document text, as sent' })
  hash!: string;

  @Field(() => String, { nullable: true })
  name!: string | null;

  @Field(() => Date)
  registeredAt!: Date;
}

@ObjectType({ description: 'A scope a partner token can hold' })
export class PartnerScope {
  @Field(() => String)
  name!: string;

  @Field(() => String)
  description!: string;
}

@ObjectType({ description: "A customer's consent to sharing with one partner for one purpose" })
export class Consent {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => String)
  partnerId!: string;

  @Field(() => String)
  purpose!: string;

  @Field(() => [String], { nullable: true, description: 'Scopes (field groups) consented to; null: all the partner is granted' })
  fieldGroups!: string[] | null;

  @Field(() => Date)
  grantedAt!: Date;

  @Field(() => Date)
  expiresAt!: Date;

  @Field(() => Date, { nullable: true })
  revokedAt!: Date | null;

  @Field(() => ConsentEvidenceKind, { nullable: true, description: 'What proves the consent; null for consents recorded before evidence was structured (evidenceRef is then free text)' })
  evidenceKind!: ConsentEvidenceKind | null;

  @Field(() => String, { description: 'Where the evidence is kept, in the format of evidenceKind (document, envelope, recording or register line)' })
  evidenceRef!: string;

  @Field(() => String)
  recordedBy!: string;

  @Field(() => Date)
  recordedAt!: Date;

  @Field(() => String, { nullable: true })
  revokedBy!: string | null;

  @Field(() => String, { nullable: true, description: 'Why it was ended, when the revoker said (numbers inside are masked)' })
  revokeReason!: string | null;

  @Field(() => Boolean, { description: 'Granted, not expired, not revoked' })
  active!: boolean;
}

@InputType()
export class RegisterPartnerInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => [String], { description: 'Purposes from the vocabulary: partner_service, credit_assessment (never commercial promotion, seed 000)' })
  purposes!: string[];

  @Field(() => Boolean, { nullable: true, description: 'Default false' })
  allowListOnly?: boolean | null;
}

@InputType()
export class IssuePartnerTokenInput {
  @Field(() => ID)
  partnerId!: string;

  @Field(() => [String], { description: 'From partnerScopes; an unknown scope is refused' })
  scopes!: string[];

  @Field(() => Int, { nullable: true, description: 'Lifetime in days, 1–365 (default 90)' })
  expiresInDays?: number | null;
}

@InputType()
export class RegisterPartnerOperationInput {
  @Field(() => ID)
  partnerId!: string;

  @Field(() => String, { description: 'The exact document text the partner will send' })
  document!: string;
}

@InputType({ description: 'The evidence of a consent: its kind and a reference in that kind\'s format' })
export class ConsentEvidenceInput {
  @Field(() => ConsentEvidenceKind)
  kind!: ConsentEvidenceKind;

  @Field(() => String, { description: `Formats: ${Object.entries(EVIDENCE_FORMATS).map(([kind, f]) => `${kind} ${f.format}`).join(', ')}` })
  reference!: string;
}

@InputType()
export class RecordConsentInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => ID)
  partnerId!: string;

  @Field(() => String)
  purpose!: string;

  @Field(() => [String], { nullable: true, description: 'Scopes consented to; omit for all the partner is granted' })
  fieldGroups?: string[] | null;

  @Field(() => Date, { nullable: true, description: 'Default now; not in the future, at most CONSENT_BACKDATE_DAYS (default 7) days ago' })
  grantedAt?: Date | null;

  @Field(() => Date, { description: 'In the future, after grantedAt and at most 3 years after it (consent is renewed)' })
  expiresAt!: Date;

  @Field(() => ConsentEvidenceInput, { description: 'What proves the consent' })
  evidence!: ConsentEvidenceInput;
}
