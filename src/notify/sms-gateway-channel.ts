/**
 * SMS through an HTTP gateway: POST {to, text, reference} as JSON with a bearer token and an
 * Idempotency-Key header (the outbox id). 2xx is sent; 4xx other than 408/429 is permanent
 * (retrying cannot help); anything else is retried by the worker.
 */
import { DeliveryError, type Channel, type OutgoingMessage } from './channel';

export interface SmsGatewaySettings {
  url: string;
  token: string | null;
  /** Per request (default 10 s). */
  timeoutMs?: number;
}

export function smsGatewayChannel(settings: SmsGatewaySettings): Channel {
  return {
    name: 'SMS',
    async send(message: OutgoingMessage) {
      let response: Response;
      try {
        response = await fetch(settings.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'idempotency-key': message.id,
            ...(settings.token ? { authorization: `Bearer ${settings.token}` } : {}),
          },
          body: JSON.stringify({ to: message.to, text: message.text, reference: message.id }),
          signal: AbortSignal.timeout(settings.timeoutMs ?? 10_000),
        });
      } catch (error) {
        throw new DeliveryError((error as { name?: string }).name === 'TimeoutError' ? 'TIMEOUT' : 'NETWORK');
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new DeliveryError(`HTTP_${response.status}`, response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429);
      }
      const body = (await response.json().catch(() => null)) as { id?: unknown } | null;
      return { ref: body && typeof body.id === 'string' ? body.id : null };
    },
  };
}
