/**
 * Delivers the complaint outbox (issue 17 item 2). Each batch is one transaction that claims due
 * messages with FOR UPDATE SKIP LOCKED — any number of workers, in any number of processes, each
 * takes other rows — and holds them while it sends, so a message is sent by one worker only; its
 * id travels as the idempotency key of every attempt, so the one repeat left (a crash after the
 * send, before the commit) is recognisable by the receiver. A failure is retried with backoff
 * until `maxAttempts`; the outcome goes on the complaint's timeline. The address is read from the
 * customer's sealed record at send time and stored nowhere else.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { TransactionDb } from '../db/pool';
import { keyringOf } from '../crypto/keyring';
import { sealedSelectList } from '../crypto/sealed-rows';
import { sealFor } from '../crypto/sealed-writes';
import { DeliveryError, failureCode, type ChannelName, type Channels } from './channel';
import { renderMessage, type MessageKind } from './templates';

export interface DeliveryOptions {
  pool: Pool;
  channels: Channels;
  /** "Now" (tests move it). */
  now: Date;
  /** Messages claimed per transaction (default 20). */
  batch?: number;
  /** Attempts before a message is given up as FAILED (default 6). */
  maxAttempts?: number;
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  failed: number;
  cancelled: number;
}

interface Claimed {
  id: string;
  complaintId: string;
  customerId: string;
  kind: MessageKind;
  channel: ChannelName;
  attempts: number;
}

/** Minutes before attempt n+1: 1, 2, 4, 8, … capped at 6 hours. */
export function backoffMs(attempts: number): number {
  return Math.min(2 ** Math.max(0, attempts - 1), 360) * 60_000;
}

const KIND_WORDS: Record<MessageKind, string> = { ACKNOWLEDGEMENT: 'Acknowledgement', PROGRESS: 'Progress message', DELAY: 'Delay explanation', RESULT: 'Result' };

/** Delivers every message due at `now` on the configured channels; returns what happened. */
export async function deliverDueMessages(options: DeliveryOptions): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0, cancelled: 0 };
  const names = Object.keys(options.channels) as ChannelName[];
  if (names.length === 0) return report;
  for (;;) {
    const claimed = await deliverBatch(options, names, report);
    if (claimed < (options.batch ?? 20)) return report;
  }
}

async function deliverBatch(options: DeliveryOptions, names: ChannelName[], report: DeliveryReport): Promise<number> {
  const keyring = keyringOf(options.pool);
  const client = await options.pool.connect();
  const tx = new TransactionDb(client, { statementCount: 0 }, keyring);
  try {
    await client.query('BEGIN');
    const messages = await tx.rows<Claimed>(
      `SELECT m.id, m.complaint_id AS "complaintId", m.customer_id AS "customerId", m.kind, m.channel, m.attempts
         FROM complaint_messages m
        WHERE m.status = 'PENDING' AND m.next_attempt_at <= $1 AND m.channel = ANY($2::text[])
        ORDER BY m.next_attempt_at, m.id LIMIT $3
          FOR UPDATE SKIP LOCKED`,
      [options.now, names, options.batch ?? 20],
    );
    for (const message of messages) await deliverOne(tx, options, message, report);
    await client.query('COMMIT');
    return messages.length;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function deliverOne(tx: TransactionDb, options: DeliveryOptions, message: Claimed, report: DeliveryReport): Promise<void> {
  const [customer] = await tx.rows<{ status: string; email?: string | null; phone?: string | null }>(
    `SELECT c.id, c.status, ${sealedSelectList('customers', 'c', new Set(['email', 'phone'])).join(', ')} FROM customers c WHERE c.id = $1`,
    [message.customerId],
  );
  const [complaint] = await tx.rows<{ number: string; dueAt: Date; delayReason?: string | null; resolution?: string | null }>(
    `SELECT k.id, k.number, k.due_at AS "dueAt", ${sealedSelectList('complaints', 'k', new Set(['delayReason', 'resolution'])).join(', ')} FROM complaints k WHERE k.id = $1`,
    [message.complaintId],
  );
  const held = !customer || customer.status === 'RESTRICTED' || customer.status === 'ERASED';
  const to = held ? null : message.channel === 'EMAIL' ? customer.email : customer.phone;
  if (held || !to) {
    await tx.exec(`UPDATE complaint_messages SET status = 'CANCELLED', last_error = $2 WHERE id = $1`, [message.id, held ? 'CUSTOMER_RESTRICTED' : 'NO_ADDRESS']);
    // A restricted or erased customer's records take no new personal data (an erased one has no key left).
    if (!held) await timeline(tx, message, `${KIND_WORDS[message.kind]} not sent: no ${message.channel === 'EMAIL' ? 'e-mail address' : 'mobile number'} on record`, options.now);
    report.cancelled++;
    return;
  }
  const { subject, text } = renderMessage({
    kind: message.kind,
    channel: message.channel,
    number: complaint.number,
    dueAt: complaint.dueAt,
    delayReason: complaint.delayReason ?? null,
    resolution: complaint.resolution ?? null,
  });
  const attempts = message.attempts + 1;
  try {
    const { ref } = await options.channels[message.channel]!.send({ id: message.id, to, subject, text });
    await tx.exec(
      `UPDATE complaint_messages SET status = 'SENT', attempts = $2, sent_at = $3, provider_ref = $4, last_error = NULL WHERE id = $1`,
      [message.id, attempts, options.now, ref],
    );
    await timeline(tx, message, `${KIND_WORDS[message.kind]} sent by ${message.channel === 'EMAIL' ? 'e-mail' : 'SMS'}`, options.now);
    report.sent++;
  } catch (error) {
    const code = failureCode(error);
    const permanent = error instanceof DeliveryError && error.permanent;
    if (permanent || attempts >= (options.maxAttempts ?? 6)) {
      await tx.exec(`UPDATE complaint_messages SET status = 'FAILED', attempts = $2, last_error = $3 WHERE id = $1`, [message.id, attempts, code]);
      await timeline(tx, message, `${KIND_WORDS[message.kind]} by ${message.channel === 'EMAIL' ? 'e-mail' : 'SMS'} failed after ${attempts} attempts (${code}): tell the customer another way`, options.now);
      report.failed++;
    } else {
      await tx.exec(`UPDATE complaint_messages SET attempts = $2, last_error = $3, next_attempt_at = $4 WHERE id = $1`, [message.id, attempts, code, new Date(options.now.getTime() + backoffMs(attempts))]);
      report.retried++;
    }
  }
}

/** A MESSAGE entry on the complaint's timeline (no actor: the worker), at the complaint's current status. */
async function timeline(tx: TransactionDb, message: Claimed, note: string, at: Date): Promise<void> {
  const id = randomUUID();
  const sealed = await sealFor(tx, 'complaint_events', id, message.customerId, { note });
  await tx.exec(
    `INSERT INTO complaint_events (id, complaint_id, occurred_at, status, kind, actor_id, note_sealed, note_masked)
     SELECT $1, k.id, $3, k.status, 'MESSAGE', NULL, $4, $5 FROM complaints k WHERE k.id = $2`,
    [id, message.complaintId, at, sealed.note_sealed ?? null, sealed.note_masked ?? null],
  );
}
