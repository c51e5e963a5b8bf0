/**
 * What the customer is told, with no more of their data than they need to recognise their
 * complaint: its number, dates, the method, and for a delay or a result the staff's explanation
 * with any ID, card or phone number inside it masked. Never the name, the description or an
 * address (seed 000 四: told it was received, the expected time and method; the result).
 */
import { applyMask } from '../../permissions/masks';

export type MessageKind = 'ACKNOWLEDGEMENT' | 'PROGRESS' | 'DELAY' | 'RESULT';

export interface MessageFacts {
  kind: MessageKind;
  channel: 'EMAIL' | 'SMS';
  number: string;
  dueAt: Date;
  delayReason: string | null;
  resolution: string | null;
}

const day = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 10); // China time
const method = (channel: 'EMAIL' | 'SMS') => (channel === 'EMAIL' ? '电子邮件' : '短信');
const masked = (text: string | null) => (text ? applyMask('freeText', text) : '');

export function renderMessage(facts: MessageFacts): { subject: string; text: string } {
  const n = facts.number;
  switch (facts.kind) {
    case 'ACKNOWLEDGEMENT':
      return { subject: `投诉受理通知 ${n}`, text: `【客户服务】您的投诉已受理，编号${n}。我们将于${day(facts.dueAt)}前以${method(facts.channel)}答复您处理结果。` };
    case 'PROGRESS':
      return { subject: `投诉处理进度 ${n}`, text: `【客户服务】您的投诉${n}正在处理中，预计${day(facts.dueAt)}前答复您。` };
    case 'DELAY':
      return { subject: `投诉延期说明 ${n}`, text: `【客户服务】您的投诉${n}需要延长处理时间，原因：${masked(facts.delayReason)}。给您带来不便，敬请谅解。` };
    case 'RESULT':
      return { subject: `投诉处理结果 ${n}`, text: `【客户服务】您的投诉${n}已处理完毕：${masked(facts.resolution)}。如有疑问，请致电客服热线。` };
  }
}
