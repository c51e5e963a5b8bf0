/** A message to the customer about their complaint: what and how, never the address or the text. */
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { ComplaintMessageKind, ComplaintMessageStatus, ComplaintReplyChannel } from '../../src/db/entities';

@ObjectType('ComplaintMessage', { description: 'Written with the step that tells it (the outbox), delivered by the worker with retries' })
export class ComplaintMessage {
  @Field(() => ID)
  id!: string;

  @Field(() => ComplaintMessageKind)
  kind!: ComplaintMessageKind;

  @Field(() => ComplaintReplyChannel)
  channel!: ComplaintReplyChannel;

  @Field(() => ComplaintMessageStatus)
  status!: ComplaintMessageStatus;

  @Field(() => Int)
  attempts!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  sentAt!: Date | null;

  @Field(() => String, { nullable: true, description: 'Why the last attempt failed: a code from the channel, never an address' })
  lastError!: string | null;
}

export const complaintMessageColumns = `m.id, m.kind, m.channel, m.status, m.attempts, m.created_at AS "createdAt", m.sent_at AS "sentAt", m.last_error AS "lastError"`;
