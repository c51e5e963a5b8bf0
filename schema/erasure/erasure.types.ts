/** Erasure requests, their steps, and the deletion records they leave (permissions/erasure.ts). */
import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { connectionType, PageArgs } from '../common/connection';

export enum ErasureBasis { CUSTOMER_REQUEST = 'CUSTOMER_REQUEST', END_OF_RELATIONSHIP = 'END_OF_RELATIONSHIP' }
registerEnumType(ErasureBasis, { name: 'ErasureBasis', description: 'Why the customer is erased (seed 000 二(五)1): the customer asked, or the relationship ended' });

export enum ErasureStatus {
  REQUESTED = 'REQUESTED', DEPARTMENT_APPROVED = 'DEPARTMENT_APPROVED', APPROVED = 'APPROVED', RESTRICTED = 'RESTRICTED', ERASED = 'ERASED',
  REJECTED = 'REJECTED', CANCELLED = 'CANCELLED',
}
registerEnumType(ErasureStatus, {
  name: 'ErasureStatus',
  description: 'REQUESTED → DEPARTMENT_APPROVED (a manager) → APPROVED (the information-management head) → ERASED, or RESTRICTED until a legal retention period ends and then ERASED; REJECTED and CANCELLED end it',
});

@ObjectType({ description: 'A request to erase a customer: requested, approved by a department head and by the information-management head (three different people), executed by an administrator' })
export class ErasureRequest {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  customerId!: string;

  @Field(() => ErasureBasis)
  basis!: ErasureBasis;

  // Staff free text about the customer (no numbers: refused when written); masked like other staff notes.
  @Field(() => String, { nullable: true })
  reason!: string | null;

  @Field(() => ErasureStatus)
  status!: ErasureStatus;

  @Field(() => ID)
  requestedBy!: string;

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => ID, { nullable: true, description: 'The manager (department head) who approved: never the requester' })
  departmentApprovedBy!: string | null;

  @Field(() => Date, { nullable: true })
  departmentApprovedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The information-management head who approved: neither the requester nor the first approver' })
  informationHeadApprovedBy!: string | null;

  @Field(() => Date, { nullable: true })
  informationHeadApprovedAt!: Date | null;

  @Field(() => ID, { nullable: true })
  rejectedBy!: string | null;

  @Field(() => Date, { nullable: true })
  rejectedAt!: Date | null;

  @Field(() => String, { nullable: true })
  rejectionReason!: string | null;

  @Field(() => Date, { nullable: true, description: 'When its requester withdrew it' })
  cancelledAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The administrator who executed it: none of the people before' })
  executedBy!: string | null;

  @Field(() => Date, { nullable: true })
  executedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Executed while a legal retention period ran: restricted until then, erased after' })
  restrictedUntil!: Date | null;

  @Field(() => Date, { nullable: true })
  erasedAt!: Date | null;
}

export const ErasureRequestConnection = connectionType('ErasureRequest', ErasureRequest);

@ObjectType({ description: 'What was erased, when and by whom (seed 000 二(五)3, seed 001 五(四)3): ids, times and field coordinates — never a value of the person. Written when the keys are destroyed; never changed' })
export class DeletionRecord {
  @Field(() => ID)
  id!: string;

  @Field(() => ID)
  requestId!: string;

  @Field(() => ID, { description: 'The erased customer: an id, nothing of the person' })
  customerId!: string;

  @Field(() => ErasureBasis)
  basis!: ErasureBasis;

  @Field(() => ID)
  requestedBy!: string;

  @Field(() => Date)
  requestedAt!: Date;

  @Field(() => ID)
  departmentApprovedBy!: string;

  @Field(() => Date)
  departmentApprovedAt!: Date;

  @Field(() => ID)
  informationHeadApprovedBy!: string;

  @Field(() => Date)
  informationHeadApprovedAt!: Date;

  @Field(() => ID)
  executedBy!: string;

  @Field(() => Date)
  executedAt!: Date;

  @Field(() => Date, { nullable: true, description: 'Restricted first (a legal retention period ran) until then; null: erased at execution' })
  restrictedUntil!: Date | null;

  @Field(() => Date, { description: 'When the keys were destroyed and the personal columns cleared' })
  erasedAt!: Date;

  @Field(() => [String], { description: 'The field coordinates erased (`Customer.idNumber`, `Transaction.counterpartyName`, …)' })
  categories!: string[];
}

export const DeletionRecordConnection = connectionType('DeletionRecord', DeletionRecord);

@InputType()
export class RequestErasureInput {
  @Field(() => ID)
  customerId!: string;

  @Field(() => ErasureBasis)
  basis!: ErasureBasis;

  @Field(() => String, { description: '1–500 characters, no ID, phone, card or account number and no e-mail address (refused: the reason outlives the person)' })
  reason!: string;
}

@ArgsType()
export class ErasureRequestsArgs extends PageArgs {
  @Field(() => ErasureStatus, { nullable: true })
  status?: ErasureStatus | null;

  @Field(() => ID, { nullable: true })
  customerId?: string | null;
}
