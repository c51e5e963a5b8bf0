/** Relationship care (seed 001 三(一)): contact log entries, the input that logs one, and the contacts-due worklist. */
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { CustomerTier } from '../../src/db/entities';

export enum ContactMethod { PHONE = 'PHONE', EMAIL = 'EMAIL', MEETING = 'MEETING', VISIT = 'VISIT' }
registerEnumType(ContactMethod, { name: 'ContactMethod', description: 'Seed 001 三(一)2: phone, e-mail, meeting, customer visit' });

@ObjectType('ContactLogEntry', { description: 'A contact with the customer: when, how, what was said (free text, masked like complaint texts), by whom' })
export class ContactLogEntry {
  @Field(() => ID)
  id!: string;

  customerId!: string;

  @Field(() => Date)
  contactedAt!: Date;

  @Field(() => ContactMethod)
  method!: ContactMethod;

  @Field(() => String, { nullable: true })
  summary!: string | null;

  staffId!: string;

  @Field(() => Date)
  createdAt!: Date;
}

@InputType()
export class LogCustomerContactInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => Date, { description: 'When (not in the future, at most 90 days back)' })
  contactedAt!: Date;

  @Field(() => ContactMethod)
  method!: ContactMethod;

  @Field(() => String, { description: '1–2000 characters' })
  summary!: string;
}

@ObjectType('ContactDue', { description: 'A customer due a contact: key customers monthly, general quarterly (seed 001 三(一)1)' })
export class ContactDue {
  customerId!: string;

  @Field(() => CustomerTier)
  tier!: CustomerTier;

  @Field(() => Date, { nullable: true, description: 'The last logged contact; null: never (due from when the customer was taken on)' })
  lastContactedAt!: Date | null;

  @Field(() => Date, { description: 'When the next contact fell due' })
  dueSince!: Date;
}

@ArgsType()
export class ContactsDueArgs {
  @Field(() => ID, { nullable: true, description: 'Managers: one relationship manager\'s customers (sales: always their own)' })
  relationshipManagerId?: string | null;

  @Field(() => Int, { defaultValue: 50, description: 'At most 100; longest overdue first' })
  first!: number;
}
