/** E-mail over SMTP with nodemailer: the outbox id is the Message-ID, so a repeat after a crash is recognisable. */
import nodemailer from 'nodemailer';
import type { Channel, OutgoingMessage } from './channel';

export interface SmtpSettings {
  /** smtp://user:pass@host:port or smtps://… (nodemailer's connection URL). */
  url: string;
  from: string;
}

export function smtpChannel(settings: SmtpSettings): Channel {
  const transport = nodemailer.createTransport(settings.url);
  const domain = settings.from.split('@')[1] ?? 'localhost';
  return {
    name: 'EMAIL',
    async send(message: OutgoingMessage) {
      const info = await transport.sendMail({
        from: settings.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        messageId: `<${message.id}@${domain}>`,
        headers: { 'X-Idempotency-Key': message.id },
      });
      return { ref: typeof info.messageId === 'string' ? info.messageId : null };
    },
    close() {
      transport.close();
    },
  };
}
