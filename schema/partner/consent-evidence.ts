/**
 * What proves a customer's consent: a kind of evidence and a reference in that kind's own format,
 * so a consent cannot be backed by "ok per phone" — the reference names a document, recording or
 * register line someone can fetch and check. Old free-text references are LEGACY_FREE_TEXT in the
 * database only; the API never accepts that kind.
 */
import { registerEnumType } from 'type-graphql';

export enum ConsentEvidenceKind {
  SIGNED_FORM = 'SIGNED_FORM',
  ELECTRONIC_SIGNATURE = 'ELECTRONIC_SIGNATURE',
  RECORDED_CALL = 'RECORDED_CALL',
  BRANCH_REGISTER = 'BRANCH_REGISTER',
}

/** Stored for consents recorded before evidence was structured; reads as `evidenceKind: null`. */
export const LEGACY_EVIDENCE_KIND = 'LEGACY_FREE_TEXT';

interface EvidenceFormat {
  /** The whole reference; the named group `date` is the evidence's date (YYYYMMDD). */
  pattern: RegExp;
  /** Shown in the schema and in refusals (a format, never the submitted value). */
  format: string;
  description: string;
}

export const EVIDENCE_FORMATS: Readonly<Record<ConsentEvidenceKind, EvidenceFormat>> = {
  SIGNED_FORM: {
    pattern: /^CF-(?<date>\d{8})-\d{6}$/,
    format: 'CF-YYYYMMDD-NNNNNN',
    description: 'A paper consent form signed by the customer, scanned into the document archive: the form number (date signed, 6-digit serial)',
  },
  ELECTRONIC_SIGNATURE: {
    pattern: /^ES-(?<date>\d{8})-[0-9A-Z]{12}$/,
    format: 'ES-YYYYMMDD-XXXXXXXXXXXX',
    description: 'A consent signed electronically in online or mobile banking: the signing platform\'s envelope id (date signed, 12 characters 0-9 A-Z)',
  },
  RECORDED_CALL: {
    pattern: /^RC-(?<date>\d{8})-\d{8}$/,
    format: 'RC-YYYYMMDD-NNNNNNNN',
    description: 'Consent given on a recorded call to the service centre: the recording id (date of the call, 8-digit recording number)',
  },
  BRANCH_REGISTER: {
    pattern: /^BR-\d{4}-(?<date>\d{8})-\d{4}$/,
    format: 'BR-BBBB-YYYYMMDD-NNNN',
    description: "Consent entered in a branch's consent register in the customer's presence: branch code (4 digits), date, line number (4 digits)",
  },
};

registerEnumType(ConsentEvidenceKind, {
  name: 'ConsentEvidenceKind',
  description:
    'What proves the consent. The reference must match the kind\'s format; its date must be a real date, not in the future (China time): ' +
    Object.entries(EVIDENCE_FORMATS).map(([kind, f]) => `${kind} \`${f.format}\``).join(', '),
  valuesConfig: Object.fromEntries(
    Object.entries(EVIDENCE_FORMATS).map(([kind, f]) => [kind, { description: `${f.description}. Reference: \`${f.format}\`` }]),
  ) as Record<ConsentEvidenceKind, { description: string }>,
});

const CHINA_OFFSET_MS = 8 * 3_600_000;

/** YYYYMMDD of an instant in China time (the date written on forms and registers). */
export function chinaDate(at: Date): string {
  return new Date(at.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

function isCalendarDate(yyyymmdd: string): boolean {
  const [y, m, d] = [Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)), Number(yyyymmdd.slice(6, 8))];
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 2000 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Why a reference does not fit its kind (a rule, never the value), or null when it fits. */
export function evidenceProblem(kind: ConsentEvidenceKind, reference: string, now: Date): string | null {
  const format = EVIDENCE_FORMATS[kind];
  if (!format) return 'unknown evidence kind';
  const date = format.pattern.exec(reference)?.groups?.date;
  if (!date) return `must match ${format.format} for ${kind}`;
  if (!isCalendarDate(date) || date > chinaDate(now)) return `the date in the reference (${format.format}) must be a real date, not in the future`;
  return null;
}
