/**
 * Generates a deterministic demo dataset as plain rows: staff, customers (valid ID numbers,
 * credit codes and cards), contacts, skewed transactions and complaints in every status.
 * Timestamps are offsets from `now`, so the same seed gives the same records on a given day.
 */
import { buildArchiveNumber } from '../domain/archive-number';
import { withLuhnDigit } from '../domain/bank-card';
import { buildCreditCode } from '../domain/credit-code';
import { buildNationalId } from '../domain/national-id';
import { ComplaintCategory, ComplaintChannel, ComplaintSeverity, ComplaintStatus, ComplaintUrgency, CreditRating, CustomerKind, CustomerStatus, CustomerTier, Gender, StaffRole, TransactionChannel, TransactionDirection, TransactionStatus } from '../db/entities/enums';
import { Random } from './random';
import * as zh from './zh-data';

const DAY = 86_400_000;

export const STAFF_PLAN: readonly (readonly [StaffRole, number])[] = [
  [StaffRole.SALES, 20], [StaffRole.SERVICE, 10], [StaffRole.MANAGER, 3],
  [StaffRole.ANALYST, 2], [StaffRole.AUDITOR, 2], [StaffRole.ADMIN, 2],
];

export interface StaffRow { id: string; username: string; display_name: string; role: string; branch: string }
export interface CustomerRow {
  id: string; kind: string; archive_number: string; name: string; id_number: string | null; birth_date: string | null;
  gender: string | null; phone: string | null; email: string | null; address: string; employer: string | null;
  annual_income: string | null; total_assets: string | null; bank_card_number: string | null; credit_code: string | null;
  legal_representative: string | null; business_scope: string | null; industry: string | null; tier: string;
  credit_rating: string; relationship_manager_id: string; status: string; created_at: Date; updated_at: Date;
}
export interface ContactRow { id: string; customer_id: string; name: string; position: string; phone: string; email: string; created_at: Date }
export interface TransactionRow {
  id: string; customer_id: string; occurred_at: Date; amount: string; currency: string; direction: string; channel: string;
  product: string; description: string | null; account_number: string; counterparty_name: string | null;
  counterparty_account: string | null; status: string;
}
export interface ComplaintRow {
  id: string; customer_id: string; channel: string; category: string; description: string; urgency: string; severity: string;
  status: string; assignee_id: string | null; received_at: Date; due_at: Date; resolved_at: Date | null; closed_at: Date | null;
  resolution: string | null; delay_reason: string | null; satisfaction: number | null;
  // The workflow (issue 17): the seeds' fields and the deadlines.
  customer_request: string | null; reply_channel: string; acknowledged_at: Date | null; interim_due_at: Date; first_progress_at: Date | null;
  assigned_at: Date | null; handling_measures: string | null; handling_owner_id: string | null; handling_deadline: Date | null;
  investigation_cause: string | null; investigation_course: string | null; investigation_responsibility: string | null;
  investigation_conclusion: string | null; investigation_countermeasures: string | null; satisfaction_comment: string | null;
  delay_explained_at: Date | null; branch: string | null;
}
export interface ComplaintEventRow { id: string; complaint_id: string; occurred_at: Date; status: string; kind: string; actor_id: string | null; note: string | null }
export interface ContactLogRow { id: string; customer_id: string; contacted_at: Date; method: string; summary: string; staff_id: string; created_at: Date }

export interface Dataset {
  staff: StaffRow[];
  customers: CustomerRow[];
  contacts: ContactRow[];
  transactions: TransactionRow[];
  complaints: ComplaintRow[];
  complaintEvents: ComplaintEventRow[];
  contactLogs: ContactLogRow[];
}

function personName(rng: Random, gender: Gender): { name: string; pinyin: string } {
  const [surname, surnamePinyin] = rng.pick(zh.SURNAMES);
  const pool = gender === Gender.MALE ? zh.GIVEN_MALE : zh.GIVEN_FEMALE;
  const given = rng.chance(0.6) ? [rng.pick(pool), rng.pick(pool)] : [rng.pick(pool)];
  return { name: surname + given.map(([c]) => c).join(''), pinyin: `${surnamePinyin}.${given.map(([, p]) => p).join('')}` };
}

function mobile(rng: Random): string {
  return rng.pick(zh.MOBILE_PREFIXES) + rng.digits(8);
}

function bankCard(rng: Random): string {
  const length = rng.chance(0.7) ? 19 : 16;
  return withLuhnDigit(rng.pick(zh.CARD_PREFIXES) + rng.digits(length - 7));
}

function address(rng: Random, district: (typeof zh.DISTRICTS)[number]): string {
  const [province, city, name, , streets] = district;
  const prefix = province === city ? province : province + city;
  return `${prefix}${name}${rng.pick(streets)}${rng.int(1, 399)}号${rng.int(1, 12)}单元${rng.int(1, 30)}0${rng.int(1, 6)}室`;
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function generateStaff(rng: Random): StaffRow[] {
  const rows: StaffRow[] = [];
  for (const [role, count] of STAFF_PLAN) {
    for (let i = 1; i <= count; i++) {
      const gender = rng.chance(0.5) ? Gender.MALE : Gender.FEMALE;
      rows.push({
        id: rng.uuid(),
        username: `${role}${String(i).padStart(2, '0')}`,
        display_name: personName(rng, gender).name,
        role,
        branch: `${rng.pick(zh.DISTRICTS)[1]}分行`,
      });
    }
  }
  return rows;
}

/** How many transactions a customer has: most a few dozen, about 2% several hundred. */
function transactionCount(rng: Random): number {
  return rng.chance(0.02) ? rng.int(200, 600) : rng.int(0, 30);
}

export function generateDataset(options: { customers: number; seed: number; now: Date }): Dataset {
  const rng = new Random(options.seed);
  const now = options.now.getTime();
  const staff = generateStaff(rng);
  const sales = staff.filter((s) => s.role === StaffRole.SALES);
  const service = staff.filter((s) => s.role === StaffRole.SERVICE);
  const data: Dataset = { staff, customers: [], contacts: [], transactions: [], complaints: [], complaintEvents: [], contactLogs: [] };
  // The workflow's and relationship care's fields come from a stream of their own: the rest of the dataset stays as it was.
  const extra = new Random(options.seed ^ 0x5eed17);
  const usedIds = new Set<string>();

  for (let i = 0; i < options.customers; i++) {
    const createdAt = new Date(now - rng.int(1, 8 * 365) * DAY - rng.int(0, DAY - 1));
    const district = rng.pick(zh.DISTRICTS);
    const individual = rng.chance(0.85);
    const kind = individual ? CustomerKind.INDIVIDUAL : CustomerKind.CORPORATE;
    const base = {
      id: rng.uuid(),
      kind,
      archive_number: buildArchiveNumber(kind, createdAt, i + 1),
      address: address(rng, district),
      tier: rng.chance(0.1) ? CustomerTier.KEY : CustomerTier.GENERAL,
      credit_rating: rng.weighted([[CreditRating.AAA, 5], [CreditRating.AA, 15], [CreditRating.A, 30], [CreditRating.BBB, 30], [CreditRating.BB, 12], [CreditRating.B, 6], [CreditRating.C, 2]]),
      relationship_manager_id: rng.pick(sales).id,
      status: rng.chance(0.93) ? CustomerStatus.ACTIVE : CustomerStatus.CLOSED,
      created_at: createdAt,
      updated_at: new Date(createdAt.getTime() + rng.int(0, Math.floor((now - createdAt.getTime()) / DAY)) * DAY),
    };
    let customer: CustomerRow;
    let account: string;
    if (individual) {
      const gender = rng.chance(0.5) ? Gender.MALE : Gender.FEMALE;
      const person = personName(rng, gender);
      const birth = isoDate(Date.UTC(1950, 0, 1) + rng.int(0, 54 * 365) * DAY);
      let idNumber: string;
      do idNumber = buildNationalId(district[3], birth, rng.int(0, 999), gender);
      while (usedIds.has(idNumber));
      usedIds.add(idNumber);
      account = bankCard(rng);
      customer = {
        ...base, name: person.name, id_number: idNumber, birth_date: birth, gender, phone: mobile(rng),
        email: `${person.pinyin}${rng.int(1, 99)}@${rng.pick(['example.com', 'example.cn', 'example.net'])}`,
        employer: rng.pick(zh.EMPLOYERS), annual_income: rng.amount(30_000, 2_000_000), total_assets: rng.amount(10_000, 50_000_000),
        bank_card_number: account, credit_code: null, legal_representative: null, business_scope: null, industry: null,
      };
    } else {
      const [industry, suffix, scope] = rng.pick(zh.INDUSTRIES);
      const representative = personName(rng, rng.chance(0.7) ? Gender.MALE : Gender.FEMALE);
      account = withLuhnDigit(rng.pick(zh.CARD_PREFIXES) + rng.digits(12));
      customer = {
        ...base, name: `${district[1].replace(/市$/, '')}${rng.pick(zh.COMPANY_WORDS)}${suffix}有限公司`, id_number: null,
        birth_date: null, gender: null, phone: mobile(rng), email: `finance${i + 1}@example.com`, employer: null,
        annual_income: null, total_assets: rng.amount(500_000, 500_000_000), bank_card_number: null,
        credit_code: buildCreditCode(district[3], 10_000_000 + i), legal_representative: representative.name,
        business_scope: scope, industry,
      };
      for (let c = rng.int(1, 5); c > 0; c--) {
        const gender = rng.chance(0.5) ? Gender.MALE : Gender.FEMALE;
        const person = personName(rng, gender);
        data.contacts.push({
          id: rng.uuid(), customer_id: customer.id, name: person.name, position: rng.pick(zh.POSITIONS), phone: mobile(rng),
          email: `${person.pinyin}@example.com`, created_at: new Date(createdAt.getTime() + c * 1000),
        });
      }
    }
    data.customers.push(customer);
    addTransactions(rng, data, customer, account, now);
    if (rng.chance(0.05)) addComplaints(rng, extra, data, customer, service, now);
    addContactLogs(extra, data, customer, now);
  }
  return data;
}

function addTransactions(rng: Random, data: Dataset, customer: CustomerRow, account: string, now: number): void {
  const lifetime = now - customer.created_at.getTime();
  for (let n = transactionCount(rng); n > 0; n--) {
    const direction = rng.chance(0.6) ? TransactionDirection.DEBIT : TransactionDirection.CREDIT;
    const channel = rng.weighted([[TransactionChannel.MOBILE, 40], [TransactionChannel.ONLINE, 20], [TransactionChannel.POS, 15], [TransactionChannel.TRANSFER, 12], [TransactionChannel.ATM, 8], [TransactionChannel.COUNTER, 5]]);
    const withCounterparty = channel === TransactionChannel.TRANSFER || channel === TransactionChannel.POS || rng.chance(0.4);
    const counterpartyIsPerson = channel === TransactionChannel.TRANSFER && rng.chance(0.6);
    data.transactions.push({
      id: rng.uuid(),
      customer_id: customer.id,
      occurred_at: new Date(now - Math.floor(rng.next() * lifetime)),
      amount: rng.amount(1, customer.kind === CustomerKind.CORPORATE ? 2_000_000 : 200_000),
      currency: rng.chance(0.97) ? 'CNY' : rng.pick(['USD', 'HKD', 'EUR']),
      direction,
      channel,
      product: rng.pick(zh.PRODUCTS[direction]),
      description: rng.chance(0.3) ? `${rng.pick(zh.MERCHANTS)} 订单${rng.digits(10)}` : null,
      account_number: account,
      counterparty_name: withCounterparty
        ? counterpartyIsPerson ? personName(rng, rng.chance(0.5) ? Gender.MALE : Gender.FEMALE).name : rng.pick(zh.MERCHANTS)
        : null,
      counterparty_account: withCounterparty ? bankCard(rng) : null,
      status: rng.weighted([[TransactionStatus.COMPLETED, 95], [TransactionStatus.PENDING, 2], [TransactionStatus.FAILED, 2], [TransactionStatus.REVERSED, 1]]),
    });
  }
}

const WORKFLOW = [ComplaintStatus.RECEIVED, ComplaintStatus.ACKNOWLEDGED, ComplaintStatus.ASSIGNED, ComplaintStatus.INVESTIGATING, ComplaintStatus.RESOLVED, ComplaintStatus.CLOSED];
/** The status drawn before the workflow had an ACKNOWLEDGED step, and where it stands in the workflow now. */
const OLD_STEP: Record<string, number> = { RECEIVED: 0, ASSIGNED: 2, INVESTIGATING: 3, RESOLVED: 4, CLOSED: 5 };
const HOUR = 3_600_000;

function addComplaints(rng: Random, extra: Random, data: Dataset, customer: CustomerRow, service: StaffRow[], now: number): void {
  for (let n = rng.chance(0.8) ? 1 : 2; n > 0; n--) {
    const category = rng.pick(Object.values(ComplaintCategory));
    const drawn = rng.weighted([[ComplaintStatus.RECEIVED, 10], [ComplaintStatus.ASSIGNED, 15], [ComplaintStatus.INVESTIGATING, 15], [ComplaintStatus.RESOLVED, 15], [ComplaintStatus.CLOSED, 45]]);
    const receivedAt = now - rng.int(0, 60) * DAY - rng.int(0, DAY - 1);
    const dueAt = receivedAt + 7 * DAY;
    // Every other complaint drawn RECEIVED has been acknowledged since (so both states are in every dataset that has two).
    const waiting = data.complaints.filter((c) => c.status === ComplaintStatus.RECEIVED || c.status === ComplaintStatus.ACKNOWLEDGED).length;
    const step = drawn === ComplaintStatus.RECEIVED && waiting % 2 === 1 ? 1 : OLD_STEP[drawn];
    const status = WORKFLOW[step];
    // Closed complaints take 1–10 days: a few miss the 7-day deadline.
    const closedAt = status === ComplaintStatus.CLOSED ? Math.min(now, receivedAt + rng.int(1, 10) * DAY) : null;
    const resolvedAt = step >= 4 ? Math.min(now, (closedAt ?? receivedAt + rng.int(1, 6) * DAY) - rng.int(1, 12) * 3_600_000) : null;
    let description = rng.pick(zh.COMPLAINT_TEXTS[category]);
    // Free text often carries identifiers: the masking of complaint text must find them.
    if (rng.chance(0.3)) description += `联系电话${customer.phone ?? ''}，请尽快回复。`;
    else if (rng.chance(0.15) && customer.id_number) description += `本人身份证号${customer.id_number}。`;
    const assignee = step >= 2 ? rng.pick(service) : null;
    // Drawn from `rng` in the order they always were, so the rest of the dataset stays as it was.
    const id = rng.uuid();
    const complaintChannel = rng.pick(Object.values(ComplaintChannel));
    const urgency = rng.pick(Object.values(ComplaintUrgency));
    const severity = rng.pick(Object.values(ComplaintSeverity));
    const satisfaction = status === ComplaintStatus.CLOSED && rng.chance(0.8) ? rng.int(1, 5) : null;
    const last = closedAt ?? resolvedAt ?? Math.min(now, receivedAt + step * DAY);
    // The time of each step: received, then evenly to the last step taken.
    const at = (s: number) => (s === 0 ? receivedAt : receivedAt + Math.floor(((Math.max(last, receivedAt + step * HOUR) - receivedAt) * s) / Math.max(step, 1)));
    // Past its due time (closed late, or still open after it): most such delays were explained before the due time passed.
    const late = closedAt !== null ? closedAt > dueAt : now > dueAt;
    const explained = late && (closedAt !== null || extra.chance(0.7));
    const replyChannel = complaintChannel === ComplaintChannel.EMAIL || complaintChannel === ComplaintChannel.ONLINE ? 'EMAIL' : 'SMS';
    const complaint: ComplaintRow = {
      id, customer_id: customer.id, channel: complaintChannel, category, description, urgency, severity,
      status, assignee_id: assignee?.id ?? null, received_at: new Date(receivedAt), due_at: new Date(dueAt),
      resolved_at: resolvedAt === null ? null : new Date(Math.max(resolvedAt, receivedAt + 3_600_000)),
      closed_at: closedAt === null ? null : new Date(Math.max(closedAt, receivedAt + 2 * 3_600_000)),
      resolution: step >= 4 ? '已核实情况并向客户反馈处理结果。' : null,
      delay_reason: explained ? '需第三方机构协查，已提前告知客户延期原因。' : null,
      satisfaction,
      customer_request: extra.pick(zh.COMPLAINT_REQUESTS[category]),
      reply_channel: replyChannel,
      acknowledged_at: step >= 1 ? new Date(at(1)) : null,
      interim_due_at: new Date(receivedAt + 48 * HOUR),
      first_progress_at: step >= 3 ? new Date(at(3)) : null,
      assigned_at: step >= 2 ? new Date(at(2)) : null,
      handling_measures: step >= 3 ? extra.pick(zh.HANDLING_MEASURES) : null,
      handling_owner_id: step >= 3 ? assignee?.id ?? null : null,
      handling_deadline: step >= 3 ? new Date(dueAt - DAY) : null,
      investigation_cause: step >= 4 ? extra.pick(zh.INVESTIGATION.cause) : null,
      investigation_course: step >= 4 ? extra.pick(zh.INVESTIGATION.course) : null,
      investigation_responsibility: step >= 4 ? extra.pick(zh.INVESTIGATION.responsibility) : null,
      investigation_conclusion: step >= 4 ? extra.pick(zh.INVESTIGATION.conclusion) : null,
      investigation_countermeasures: step >= 4 ? extra.pick(zh.INVESTIGATION.countermeasures) : null,
      satisfaction_comment: satisfaction !== null ? extra.pick(zh.SATISFACTION_COMMENTS) : null,
      delay_explained_at: explained ? new Date(Math.max(receivedAt + HOUR, dueAt - 12 * HOUR)) : null,
      branch: assignee?.branch ?? extra.pick(service).branch,
    };
    data.complaints.push(complaint);
    const event = (occurredAt: number, statusOf: string, kind: string, actor: string | null, note: string | null, eventId = extra.uuid()) =>
      data.complaintEvents.push({ id: eventId, complaint_id: complaint.id, occurred_at: new Date(occurredAt), status: statusOf, kind, actor_id: actor, note });
    for (let s = 0; s <= step; s++) {
      event(at(s), WORKFLOW[s], 'STATUS', s === 0 ? null : assignee?.id ?? null,
        s === 0 ? '已受理。' : s === 1 ? `已告知客户预计处理时限（7日内）及答复方式（${replyChannel === 'EMAIL' ? '电子邮件' : '短信'}）。` : s === 3 ? '已制定处理方案。' : null,
        s === 1 ? extra.uuid() : rng.uuid());
      if (s === 1) event(at(1) + 60_000, WORKFLOW[1], 'MESSAGE', null, `Acknowledgement sent by ${replyChannel === 'EMAIL' ? 'e-mail' : 'SMS'}`);
      if (s === 3 && step === 3 && extra.chance(0.5)) event(Math.min(now, at(3) + DAY), WORKFLOW[3], 'PROGRESS', assignee?.id ?? null, '已联系相关部门，等待回复。');
    }
    if (complaint.delay_explained_at) event(complaint.delay_explained_at.getTime(), status, 'DELAY', assignee?.id ?? null, complaint.delay_reason);
    if (satisfaction !== null) event(Math.min(now, (closedAt ?? now) + DAY), status, 'SURVEY', null, `Satisfaction ${satisfaction}/5`);
  }
}

/** Relationship care (seed 001 三(一)): most customers have some contacts logged by their relationship manager. */
function addContactLogs(extra: Random, data: Dataset, customer: CustomerRow, now: number): void {
  if (customer.status !== CustomerStatus.ACTIVE || !extra.chance(0.7)) return;
  const span = customer.tier === CustomerTier.KEY ? 45 : 150;
  for (let n = extra.int(1, 3); n > 0; n--) {
    const contactedAt = new Date(now - extra.int(1, span) * DAY - extra.int(0, DAY - 1));
    if (contactedAt.getTime() < customer.created_at.getTime()) continue;
    let summary = extra.pick(zh.CONTACT_SUMMARIES);
    if (customer.phone && extra.chance(0.2)) summary += `客户新留联系电话${customer.phone}。`;
    data.contactLogs.push({
      id: extra.uuid(), customer_id: customer.id, contacted_at: contactedAt, method: extra.pick(['PHONE', 'EMAIL', 'MEETING', 'VISIT']),
      summary, staff_id: customer.relationship_manager_id, created_at: contactedAt,
    });
  }
}
