/**
 * A customer: individual or corporate (seed 001). Sensitive fields are nullable so that a
 * field the policy removes never nulls its parent.
 */
import { Check, Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique } from 'typeorm';
import { Field, ID, ObjectType } from 'type-graphql';
import { DateScalar, DecimalScalar } from '../../scalars';
import { CreditRating, CustomerKind, CustomerStatus, CustomerTier, Gender, ReviewOutcome, sqlEnumList } from './enums';
import { StaffMember } from './staff-member.entity';
import { SealedColumns } from './sealed-columns';

@ObjectType('Customer')
@Entity({ name: 'customers' })
@SealedColumns('customers', {
  birthDate: { type: 'date' },
  annualIncome: { type: 'numeric', precision: 18, scale: 2 },
  totalAssets: { type: 'numeric', precision: 20, scale: 2 },
})
@Unique('customers_archive_number_key', ['archiveNumber'])
@Check('customers_kind_check', `kind IN ${sqlEnumList(CustomerKind)}`)
@Check('customers_tier_check', `tier IN ${sqlEnumList(CustomerTier)}`)
@Check('customers_status_check', `status IN ${sqlEnumList(CustomerStatus)}`)
@Check('customers_gender_check', `gender IN ${sqlEnumList(Gender)}`)
// A row a de-duplication review merged or rejected stays closed: it is left out of the ID-number index.
@Check('customers_review_outcome_check', `review_outcome IS NULL OR (review_outcome IN ${sqlEnumList(ReviewOutcome)} AND status IN ('CLOSED', 'ERASED'))`)
@Check('customers_credit_rating_check', `credit_rating IN ${sqlEnumList(CreditRating)}`)
@Check('customers_archive_number_check', `archive_number ~ '^[PE][0-9]{15}$' AND (kind = 'INDIVIDUAL') = (archive_number LIKE 'P%')`)
@Check('customers_money_check', 'annual_income >= 0 AND total_assets >= 0')
// An erased customer's row stays (the facts the law keeps hang off it); its name goes (schema/erasure).
@Check('customers_name_check', `name IS NOT NULL OR status = 'ERASED'`)
@Check('customers_restricted_check', `(status = 'RESTRICTED') = (restricted_until IS NOT NULL)`)
@Index('customers_created_at_idx', ['createdAt', 'id'])
@Index('customers_updated_at_idx', ['updatedAt', 'id'])
@Index('customers_rm_idx', ['relationshipManagerId', 'createdAt'])
@Index('customers_kind_idx', ['kind', 'createdAt'])
@Index('customers_tier_idx', ['tier', 'createdAt'])
@Index('customers_status_idx', ['status', 'createdAt'])
// Rows read carry whether their customer is restricted or erased (src/db/columns.ts): a lookup in this small index.
@Index('customers_held_idx', ['id'], { where: `status IN ('RESTRICTED', 'ERASED')` })
@Index('customers_restricted_until_idx', ['restrictedUntil'], { where: `status = 'RESTRICTED'` })
// Customers awaiting review by ID number: the duplicate check looks among them too.
@Index('customers_id_number_pending_idx', ['idNumberBidx'], { where: `status = 'PENDING_REVIEW'` })
// One customer per ID number (by its blind index); rows awaiting review, and rows a review merged or rejected, are not customers (yet).
@Index('customers_id_number_key', ['idNumberBidx'], { unique: true, where: `id_number_bidx IS NOT NULL AND status <> 'PENDING_REVIEW' AND review_outcome IS NULL` })
@Index('customers_phone_idx', ['phoneBidx'])
@Index('customers_bank_card_idx', ['bankCardNumberBidx'])
export class Customer {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid', { primaryKeyConstraintName: 'customers_pkey' })
  id!: string;

  @Field(() => CustomerKind)
  @Column({ type: 'text' })
  kind!: CustomerKind;

  @Field(() => String, { description: 'Coded: category (P/E) + archive creation date + sequence' })
  @Column({ name: 'archive_number', type: 'text' })
  archiveNumber!: string;

  @Field(() => String, { nullable: true, description: 'Personal or registered company name (null once erased)' })
  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Field(() => String, { nullable: true, description: 'National ID number (GB 11643), individuals' })
  // Sealed (src/crypto/sealed-fields.ts), like every L2/L3 field: read through the row's getter.
  idNumber!: string | null;

  @Field(() => DateScalar, { nullable: true })
  birthDate!: string | null;

  @Field(() => Gender, { nullable: true })
  @Column({ type: 'text', nullable: true })
  gender!: Gender | null;

  @Field(() => String, { nullable: true })
  phone!: string | null;

  @Field(() => String, { nullable: true })
  email!: string | null;

  @Field(() => String, { nullable: true })
  address!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  employer!: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Annual income in CNY' })
  annualIncome!: string | null;

  @Field(() => DecimalScalar, { nullable: true, description: 'Total assets held in CNY' })
  totalAssets!: string | null;

  @Field(() => String, { nullable: true })
  bankCardNumber!: string | null;

  @Field(() => String, { nullable: true, description: 'Unified social credit code (GB 32100), corporates' })
  @Index('customers_credit_code_key', { unique: true, where: 'credit_code IS NOT NULL' })
  @Column({ name: 'credit_code', type: 'text', nullable: true })
  creditCode!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'legal_representative', type: 'text', nullable: true })
  legalRepresentative!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ name: 'business_scope', type: 'text', nullable: true })
  businessScope!: string | null;

  @Field(() => String, { nullable: true })
  @Column({ type: 'text', nullable: true })
  industry!: string | null;

  @Field(() => CustomerTier)
  @Column({ type: 'text', default: CustomerTier.GENERAL })
  tier!: CustomerTier;

  @Field(() => CreditRating, { nullable: true })
  creditRating!: CreditRating | null;

  @Column({ name: 'relationship_manager_id', type: 'uuid', nullable: true })
  relationshipManagerId!: string | null;

  // Declared for the foreign key only; the GraphQL field is resolved through a DataLoader.
  @ManyToOne(() => StaffMember, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'relationship_manager_id', foreignKeyConstraintName: 'customers_relationship_manager_fk' })
  relationshipManagerRow?: StaffMember;

  @Field(() => CustomerStatus)
  @Column({ type: 'text', default: CustomerStatus.ACTIVE })
  status!: CustomerStatus;

  @Field(() => Date, { nullable: true, description: 'RESTRICTED: until when a legal retention period holds the erasure back (then it is erased)' })
  @Column({ name: 'restricted_until', type: 'timestamptz', nullable: true })
  restrictedUntil!: Date | null;

  // Not in the schema: set when a de-duplication review merges or rejects the row.
  @Column({ name: 'review_outcome', type: 'text', nullable: true })
  reviewOutcome!: ReviewOutcome | null;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt!: Date;

  @Field(() => Date)
  @Column({ name: 'updated_at', type: 'timestamptz', default: () => 'now()' })
  updatedAt!: Date;
}
