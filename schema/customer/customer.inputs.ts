/** Arguments and inputs of the customer queries and mutations. */
import { ArgsType, Field, ID, InputType, registerEnumType } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { DateScalar, DecimalScalar } from '../../src/scalars';
import { CreditRating, CustomerKind, CustomerStatus, CustomerTier, Gender } from '../../src/db/entities';

export enum CustomerOrderField { CREATED_AT = 'CREATED_AT', UPDATED_AT = 'UPDATED_AT', ARCHIVE_NUMBER = 'ARCHIVE_NUMBER' }
export enum SortDirection { ASC = 'ASC', DESC = 'DESC' }
registerEnumType(CustomerOrderField, { name: 'CustomerOrderField' });
registerEnumType(SortDirection, { name: 'SortDirection' });

@InputType()
export class CustomerFilter {
  @Field(() => CustomerKind, { nullable: true })
  kind?: CustomerKind | null;

  @Field(() => CustomerTier, { nullable: true })
  tier?: CustomerTier | null;

  @Field(() => CustomerStatus, { nullable: true })
  status?: CustomerStatus | null;

  @Field(() => ID, { nullable: true })
  relationshipManagerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact archive number' })
  archiveNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact-match lookup by national ID number; only for roles granted it' })
  idNumber?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact-match lookup by phone number; only for roles granted it' })
  phone?: string | null;

  @Field(() => Date, { nullable: true, description: 'Created at or after' })
  createdFrom?: Date | null;

  @Field(() => Date, { nullable: true, description: 'Created before' })
  createdTo?: Date | null;
}

@InputType()
export class CustomerOrder {
  @Field(() => CustomerOrderField, { defaultValue: CustomerOrderField.CREATED_AT })
  field!: CustomerOrderField;

  @Field(() => SortDirection, { defaultValue: SortDirection.DESC })
  direction!: SortDirection;
}

@ArgsType()
export class CustomersArgs extends PageArgs {
  @Field(() => CustomerFilter, { nullable: true })
  filter?: CustomerFilter | null;

  @Field(() => CustomerOrder, { nullable: true, description: 'Default: newest first' })
  orderBy?: CustomerOrder | null;
}

/** Fields a customer has whether it is being created or changed. */
@InputType() // never referenced by a resolver, so not emitted: only its fields are inherited
abstract class CustomerDetailsInput {
  @Field(() => String, { nullable: true })
  phone?: string | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  address?: string | null;

  @Field(() => String, { nullable: true })
  employer?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  annualIncome?: string | null;

  @Field(() => DecimalScalar, { nullable: true })
  totalAssets?: string | null;

  @Field(() => String, { nullable: true })
  bankCardNumber?: string | null;

  @Field(() => String, { nullable: true })
  legalRepresentative?: string | null;

  @Field(() => String, { nullable: true })
  businessScope?: string | null;

  @Field(() => String, { nullable: true })
  industry?: string | null;

  @Field(() => CustomerTier, { nullable: true })
  tier?: CustomerTier | null;

  @Field(() => CreditRating, { nullable: true })
  creditRating?: CreditRating | null;

  @Field(() => ID, { nullable: true, description: 'New customers: opens a change request to this active sales rep, decided by a second manager. Updates: refused (use requestRelationshipManagerChange)' })
  relationshipManagerId?: string | null;
}

@InputType({ description: 'A new customer. Individuals need idNumber; corporates need creditCode and legalRepresentative.' })
export class CreateCustomerInput extends CustomerDetailsInput {
  @Field(() => CustomerKind)
  kind!: CustomerKind;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: 'Individuals: 18-character national ID number (GB 11643)' })
  idNumber?: string | null;

  @Field(() => DateScalar, { nullable: true, description: 'Derived from idNumber when omitted; must agree with it' })
  birthDate?: string | null;

  @Field(() => Gender, { nullable: true, description: 'Derived from idNumber when omitted; must agree with it' })
  gender?: Gender | null;

  @Field(() => String, { nullable: true, description: 'Corporates: unified social credit code (GB 32100)' })
  creditCode?: string | null;
}

@InputType({ description: 'Fields to change; omitted fields stay as they are, null clears an optional field. Identity numbers and kind cannot change.' })
export class UpdateCustomerInput extends CustomerDetailsInput {
  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => CustomerStatus, { nullable: true, description: 'ACTIVE or CLOSED; RESTRICTED and ERASED only through the erasure flow' })
  status?: CustomerStatus | null;
}
