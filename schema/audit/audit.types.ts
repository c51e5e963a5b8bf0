/** The audit register as auditors read it: access records, change records, the daily report. */
import { Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PrincipalRole } from '../staff/viewer.resolver';
import { connectionType } from '../common/connection';

export enum AuditDecision {
  CLEAR = 'CLEAR',
  MASK = 'MASK',
  REMOVE = 'REMOVE',
}
registerEnumType(AuditDecision, { name: 'AuditDecision', description: 'What the policy did with a sensitive value' });

export enum AuditedEntity {
  CUSTOMER = 'Customer',
  CONTACT = 'Contact',
  TRANSACTION = 'Transaction',
  COMPLAINT = 'Complaint',
  CONSENT = 'Consent',
  PARTNER = 'Partner',
  PARTNER_TOKEN = 'PartnerToken',
  PARTNER_OPERATION = 'PartnerOperation',
  RELATIONSHIP_MANAGER_CHANGE = 'RelationshipManagerChange',
  CUSTOMER_DUPLICATE_REVIEW = 'CustomerDuplicateReview',
  ERASURE_REQUEST = 'ErasureRequest',
  DELETION_RECORD = 'DeletionRecord',
}
registerEnumType(AuditedEntity, { name: 'AuditedEntity', description: 'Record types whose changes are registered' });

@ObjectType({ description: 'Who made a request, as its bearer token said' })
export class AuditPrincipal {
  @Field(() => String)
  sub!: string;

  @Field(() => PrincipalRole)
  role!: string;

  @Field(() => String, { nullable: true })
  tokenId!: string | null;

  @Field(() => String, { nullable: true })
  partnerId!: string | null;
}

@ObjectType({ description: 'One sensitive field path of a response and what the policy did with it' })
export class AccessedField {
  @Field(() => String, { description: 'Response path, list indices left out' })
  path!: string;

  @Field(() => String, { description: 'Schema coordinate, e.g. Customer.phone' })
  field!: string;

  @Field(() => AuditDecision)
  decision!: AuditDecision;

  @Field(() => String, { nullable: true, description: 'Masking strategy, when masked' })
  strategy!: string | null;

  @Field(() => String)
  reason!: string;

  @Field(() => ID, { nullable: true, description: 'The clear-access grant that released these values (reason GRANT)' })
  grantId?: string | null;

  @Field(() => Int, { description: 'Values at this path with this decision' })
  count!: number;
}

/** What every entry of the register has: its place in the chain, when, which request, who. */
// Not a type of its own in the schema (never referenced); its fields are inherited.
@ObjectType()
abstract class RegisterEntry {
  @Field(() => ID, { description: 'Position in the hash chain' })
  seq!: string;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => String)
  requestId!: string;

  @Field(() => AuditPrincipal)
  principal!: AuditPrincipal;
}

@ObjectType({ description: 'One operation that returned, masked, removed or refused sensitive data' })
export class AccessRecord extends RegisterEntry {

  @Field(() => String, { nullable: true })
  purpose!: string | null;

  @Field(() => String, { nullable: true })
  clientAddress!: string | null;

  @Field(() => String, { nullable: true })
  operationType!: string | null;

  @Field(() => String, { nullable: true })
  operationName!: string | null;

  @Field(() => String, { nullable: true, description: 'SHA-256 of the GraphQL document (variables are never registered)' })
  documentHash!: string | null;

  @Field(() => [AccessedField])
  fields!: AccessedField[];

  @Field(() => [ID], { description: 'Customers whose sensitive values the response carried clear' })
  customersClear!: string[];

  @Field(() => [ID], { description: 'Customers whose sensitive values the response carried masked' })
  customersMasked!: string[];

  @Field(() => Int)
  clearValues!: number;

  @Field(() => Int)
  maskedValues!: number;

  @Field(() => Int)
  removedValues!: number;

  @Field(() => String, { description: 'OK, or the first error code (FORBIDDEN, EXPOSURE_LIMIT, …)' })
  outcome!: string;

  @Field(() => [String])
  errorCodes!: string[];

  @Field(() => Float)
  durationMs!: number;

  @Field(() => String, { description: 'SHA-256 of the previous record’s hash and this record (hex)' })
  hash!: string;

  @Field(() => String)
  prevHash!: string;
}

export enum HistorySealing {
  NOT_SEALED = 'NOT_SEALED',
  OPENED = 'OPENED',
  ERASED = 'ERASED',
  UNREADABLE = 'UNREADABLE',
}
registerEnumType(HistorySealing, {
  name: 'HistorySealing',
  description: "How a changed field's values were kept: sealed under the customer's history key or not, and whether they could be read back",
  valuesConfig: {
    NOT_SEALED: { description: 'Stored as shown: a non-sensitive value, or a record not about a customer (masks and keyed hashes only)' },
    OPENED: { description: "Sealed under the customer's history key and opened for this answer" },
    ERASED: { description: "The customer's history key was destroyed (erasure): nothing of the person can be read back" },
    UNREADABLE: { description: 'Sealed, but it does not open: the record was altered (npm run audit:verify names it)' },
  },
});

@ObjectType({ description: "One field of a changed record; sensitive values only masked and as keyed hashes, sealed under the customer's history key" })
export class FieldChange {
  @Field(() => String)
  field!: string;

  @Field(() => Boolean)
  sensitive!: boolean;

  @Field(() => String, { nullable: true })
  old!: string | null;

  @Field(() => String, { nullable: true })
  new!: string | null;

  @Field(() => String, { nullable: true, description: 'HMAC-SHA-256 of the old value (sensitive fields)' })
  oldHash!: string | null;

  @Field(() => String, { nullable: true, description: 'HMAC-SHA-256 of the new value (sensitive fields)' })
  newHash!: string | null;

  @Field(() => HistorySealing, { description: 'Whether old/new/hashes were sealed, and opened; ERASED: null for good' })
  sealing!: HistorySealing;
}

@ObjectType({ description: 'One registered change to a record' })
export class ChangeRecord extends RegisterEntry {
  @Field(() => String, { nullable: true })
  operationName!: string | null;

  @Field(() => AuditedEntity)
  entity!: AuditedEntity;

  @Field(() => ID)
  entityId!: string;

  @Field(() => ID, { nullable: true })
  customerId!: string | null;

  @Field(() => String, { description: 'CREATE, UPDATE or DELETE' })
  action!: string;

  @Field(() => [FieldChange])
  changes!: FieldChange[];

  @Field(() => String)
  hash!: string;
}

@ObjectType({ description: "One access to one customer's data: who, when, why, and whether it was clear" })
export class CustomerAccess extends RegisterEntry {
  @Field(() => String, { nullable: true })
  purpose!: string | null;

  @Field(() => String, { nullable: true })
  operationName!: string | null;

  @Field(() => AuditDecision, { description: "CLEAR when any of this customer's sensitive values was returned clear, else MASK" })
  decision!: AuditDecision;
}

@ObjectType({ description: 'What the anomaly rule compared a day with' })
export class ReportBaseline {
  @Field(() => String, { description: 'OWN_MEDIAN or ROLE_MEDIAN' })
  kind!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => Int, { description: 'Days of history behind the median' })
  days!: number;
}

@ObjectType({ description: 'Clear values one principal viewed on one day (China time), with the anomaly rule applied' })
export class PrincipalDay {
  @Field(() => String)
  day!: string;

  @Field(() => String)
  principalSub!: string;

  @Field(() => String)
  principalRole!: string;

  @Field(() => Int)
  requests!: number;

  @Field(() => Int)
  refused!: number;

  @Field(() => Int)
  clearValues!: number;

  @Field(() => Int)
  maskedValues!: number;

  @Field(() => Int, { description: 'Distinct customers seen clear' })
  customersClear!: number;

  @Field(() => ReportBaseline, { nullable: true })
  baseline!: ReportBaseline | null;

  @Field(() => Boolean)
  anomaly!: boolean;

  @Field(() => String, { nullable: true })
  reason!: string | null;
}

@InputType({ description: 'Every condition given must hold' })
export class AuditLogFilter {
  @Field(() => String, { nullable: true, description: 'Token subject (staff id or partner client id)' })
  principal?: string | null;

  @Field(() => PrincipalRole, { nullable: true })
  role?: string | null;

  @Field(() => ID, { nullable: true, description: "Records that carried this customer's sensitive values, clear or masked" })
  customerId?: string | null;

  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;

  @Field(() => AuditDecision, { nullable: true, description: 'Records with at least one value so decided' })
  decision?: AuditDecision | null;

  @Field(() => String, { nullable: true })
  purpose?: string | null;

  @Field(() => String, { nullable: true, description: 'OK, or an error code' })
  outcome?: string | null;
}

export const AccessRecordConnection = connectionType('AccessRecord', AccessRecord);
export const ChangeRecordConnection = connectionType('ChangeRecord', ChangeRecord);
export const CustomerAccessConnection = connectionType('CustomerAccess', CustomerAccess);
