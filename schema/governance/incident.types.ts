/** Incidents: declared or opened for triage, contained, the customers affected, notified, closed. */
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum IncidentStatus { TRIAGE = 'TRIAGE', CONTAINED = 'CONTAINED', NOTIFIED = 'NOTIFIED', CLOSED = 'CLOSED' }
registerEnumType(IncidentStatus, { name: 'IncidentStatus', description: 'TRIAGE (opened by a PRIVACY complaint, no principal yet) → CONTAINED → NOTIFIED → CLOSED' });

export enum IncidentPrincipalKind { STAFF = 'STAFF', PARTNER = 'PARTNER', TOKEN = 'TOKEN' }
registerEnumType(IncidentPrincipalKind, { name: 'IncidentPrincipalKind', description: 'A staff member (id or username), a partner (id) or one partner token (id)' });

@ObjectType({ description: 'One step of an incident: what happened, when, by whom (ids and counts), and its note (close note, notification reference)' })
export class IncidentEvent {
  @Field(() => Date)
  at!: Date;

  @Field(() => String)
  kind!: string;

  @Field(() => String, { nullable: true })
  actor!: string | null;

  @Field(() => String, { description: 'JSON: ids and counts' })
  detail!: string;

  @Field(() => String, { nullable: true, description: 'The step’s free text: the close note (CLOSED), the notification reference (CUSTOMERS_NOTIFIED); masked like the summary' })
  note!: string | null;
}

@ObjectType({ description: 'A security incident about one principal and a time window' })
export class Incident {
  @Field(() => ID)
  id!: string;

  @Field(() => IncidentStatus)
  status!: IncidentStatus;

  @Field(() => String, { description: 'DECLARED, or COMPLAINT (a PRIVACY complaint opened it for triage)' })
  source!: string;

  @Field(() => ID, { nullable: true })
  complaintId!: string | null;

  @Field(() => IncidentPrincipalKind, { nullable: true })
  principalKind!: IncidentPrincipalKind | null;

  @Field(() => String, { nullable: true })
  principalRef!: string | null;

  @Field(() => Date, { nullable: true })
  windowFrom!: Date | null;

  @Field(() => Date, { nullable: true })
  windowTo!: Date | null;

  @Field(() => String, { nullable: true })
  summary!: string | null;

  @Field(() => ID, { nullable: true })
  declaredBy!: string | null;

  @Field(() => Date)
  declaredAt!: Date;

  @Field(() => Date, { nullable: true })
  containedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  notifiedAt!: Date | null;

  @Field(() => Date, { nullable: true })
  closedAt!: Date | null;

  @Field(() => [IncidentEvent])
  timeline!: IncidentEvent[];
}

@ObjectType({ description: 'A customer whose data the principal received in the window (from the access register)' })
export class AffectedCustomer {
  @Field(() => ID)
  customerId!: string;

  @Field(() => String, { nullable: true })
  archiveNumber!: string | null;

  @Field(() => Boolean, { description: 'Any of its sensitive values reached the principal clear (else masked only)' })
  receivedClear!: boolean;

  @Field(() => Int)
  requests!: number;

  @Field(() => Date)
  firstAt!: Date;

  @Field(() => Date)
  lastAt!: Date;
}

@ObjectType({ description: 'Who is to be notified of an incident: the customers and, as CSV, the same list for the notification channel' })
export class IncidentNotificationList {
  @Field(() => ID)
  incidentId!: string;

  @Field(() => [AffectedCustomer])
  customers!: AffectedCustomer[];

  @Field(() => String, { description: 'customer_id,archive_number,received_clear,requests,first_at,last_at' })
  csv!: string;
}

@InputType()
export class DeclareIncidentInput {
  @Field(() => IncidentPrincipalKind)
  principalKind!: IncidentPrincipalKind;

  @Field(() => String, { description: 'Staff id or username, partner id, or partner token id' })
  principal!: string;

  @Field(() => Date)
  from!: Date;

  @Field(() => Date, { nullable: true, description: 'Now when absent' })
  to?: Date | null;

  @Field(() => String, { nullable: true, description: '1–500 characters, no ID, phone, card or account number and no e-mail address' })
  summary?: string | null;
}
