/** A way to reach a customer: e-mail over SMTP, SMS through an HTTP gateway. Pluggable: the worker knows only this. */
export type ChannelName = 'EMAIL' | 'SMS';

export interface OutgoingMessage {
  /** The outbox row's id: the idempotency key of every attempt (Message-ID, Idempotency-Key), so a receiver can drop a repeat. */
  id: string;
  /** The address (e-mail) or number (SMS), read from the customer's sealed record when sending; never stored with the message. */
  to: string;
  subject: string;
  text: string;
}

/** Why a send failed, as a code that names no address or value (it is stored and shown). */
export class DeliveryError extends Error {
  constructor(readonly code: string, readonly permanent = false) {
    super(code);
  }
}

export interface Channel {
  readonly name: ChannelName;
  /** Resolves with the provider's reference; throws (a DeliveryError when it can say why). */
  send(message: OutgoingMessage): Promise<{ ref: string | null }>;
  close?(): void;
}

export type Channels = Partial<Record<ChannelName, Channel>>;

/** A failure as a stored code: a DeliveryError's code, a network error's code, never a message (it may quote the address). */
export function failureCode(error: unknown): string {
  if (error instanceof DeliveryError) return error.code;
  const code = (error as { code?: unknown; responseCode?: unknown }).responseCode ?? (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? `SEND_${String(code).replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}` : 'SEND_FAILED';
}
