/**
 * Masking strategies: small pure functions that keep a value's shape (and, where the
 * classification asks for it, its length) so a UI renders a masked value like the real one.
 * Null stays null; a value too short to keep anything is masked whole.
 */

const STAR = '*';

function stars(n: number): string {
  return STAR.repeat(Math.max(0, n));
}

/** Keeps the first `head` and last `tail` characters (by code point), stars in between. */
function keepEnds(value: string, head: number, tail: number): string {
  const chars = [...value];
  if (chars.length <= head + tail) return stars(chars.length);
  return chars.slice(0, head).join('') + stars(chars.length - head - tail) + chars.slice(chars.length - tail).join('');
}

/** National ID: region code (3) and the last 4 — `110***********002X`. */
export function maskIdNumber(value: string): string {
  return keepEnds(value, 3, 4);
}

/** Bank card / account number, PCI DSS display rule: first 6 + last 4 at most — `622202******1234`. */
export function maskCard(value: string): string {
  const digits = value.replace(/\s/g, '');
  if (digits.length < 13) return keepEnds(digits, 0, 4);
  return keepEnds(digits, 6, 4);
}

/** Bank card for partners: last 4 only — `***************1234`. */
export function maskCardLast4(value: string): string {
  return keepEnds(value.replace(/\s/g, ''), 0, 4);
}

/** Mobile phone: `138****5678`; other numbers keep only their last 4. */
export function maskPhone(value: string): string {
  if (/^1\d{10}$/.test(value)) return keepEnds(value, 3, 4);
  return keepEnds(value, 0, 4);
}

/** E-mail: first character of the mailbox and the domain — `z***@example.com`. */
export function maskEmail(value: string): string {
  const at = value.lastIndexOf('@');
  if (at <= 0) return stars([...value].length);
  const [first] = [...value.slice(0, at)];
  return `${first}***${value.slice(at)}`;
}

/** Personal name: the surname stays — `张*`, `欧阳**`-style length kept as `欧**`. */
export function maskName(value: string): string {
  const chars = [...value.trim()];
  if (chars.length === 0) return value;
  if (chars.length === 1) return STAR;
  return chars[0] + stars(chars.length - 1);
}

// Province (省/自治区/municipality 市) then, optionally, a city of a few characters.
const PROVINCE_CITY = /^(.{2,8}?(?:省|自治区|特别行政区|市))(?:([^省市区县]{1,8}?(?:市|自治州|地区|盟)))?/u;

/** Address: province and city stay, the rest is starred to its length — `浙江省杭州市**********`. */
export function maskAddress(value: string): string {
  const match = PROVINCE_CITY.exec(value);
  if (!match) return stars([...value].length);
  const kept = match[0];
  return kept + stars([...value].length - [...kept].length);
}

/** Birth date: the year stays — `1985-**-**`. */
export function maskBirthDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value.slice(0, 4)}-**-**` : stars(value.length);
}

/** Bucket boundaries in CNY; a masked amount says which bucket it is in. */
export const MONEY_BUCKETS = [0, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000] as const;

/** Money as a range bucket: `100000-500000`, or `10000000+` above the last boundary. */
export function maskMoney(value: string): string {
  if (value.trim() === '') return STAR;
  const amount = Number(value);
  if (!Number.isFinite(amount)) return STAR;
  if (amount < 0) return '<0';
  for (let i = MONEY_BUCKETS.length - 1; i >= 0; i -= 1) {
    if (amount >= MONEY_BUCKETS[i]) {
      const upper = MONEY_BUCKETS[i + 1];
      return upper === undefined ? `${MONEY_BUCKETS[i]}+` : `${MONEY_BUCKETS[i]}-${upper}`;
    }
  }
  return STAR;
}

// Number runs, spaces or dashes allowed between digits (`138-1234-5678`, `6222 0212 3456 1234`),
// classified by how many digits they hold: 18-char IDs (last may be X), 11-digit mobiles, 13–19 digit cards.
const NUMBER_RUN = /(?<!\d)\d(?:[ -]?\d){10,18}(?:[Xx](?![A-Za-z]))?(?!\d)/g;
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

function maskDigits(digits: string): string {
  if (digits.length === 18 && /^\d{17}[\dXx]$/.test(digits)) return maskIdNumber(digits);
  if (digits.length === 11 && /^1[3-9]\d{9}$/.test(digits)) return maskPhone(digits);
  if (digits.length === 13 && /^861[3-9]\d{9}$/.test(digits)) return `86${maskPhone(digits.slice(2))}`;
  if (digits.length >= 13) return maskCard(digits);
  return keepEnds(digits, 0, 4);
}

/** Masks the digits of a run and puts its separators back where they were. */
function maskNumberRun(run: string): string {
  const masked = [...maskDigits(run.replace(/[ -]/g, ''))];
  let next = 0;
  return [...run].map((ch) => (ch === ' ' || ch === '-' ? ch : masked[next++])).join('');
}

/** Free text: any ID, card, phone number or e-mail address inside it is masked in place. */
export function maskFreeText(value: string): string {
  return value.replace(NUMBER_RUN, maskNumberRun).replace(EMAIL_IN_TEXT, maskEmail);
}

export const MASKS = {
  idNumber: maskIdNumber,
  card: maskCard,
  cardLast4: maskCardLast4,
  phone: maskPhone,
  email: maskEmail,
  name: maskName,
  address: maskAddress,
  birthYear: maskBirthDate,
  moneyBucket: maskMoney,
  freeText: maskFreeText,
} as const satisfies Record<string, (value: string) => string>;

export type MaskStrategy = keyof typeof MASKS;

export const MASK_DESCRIPTIONS: Record<MaskStrategy, string> = {
  idNumber: 'first 3 + last 4 (`110***********002X`)',
  card: 'first 6 + last 4, PCI DSS (`622202*********1234`)',
  cardLast4: 'last 4 only (`***************1234`)',
  phone: 'first 3 + last 4 (`138****5678`)',
  email: 'first letter + domain (`z***@example.com`)',
  name: 'surname only (`张*`)',
  address: 'province + city (`浙江省杭州市*********`)',
  birthYear: 'year only (`1985-**-**`)',
  moneyBucket: 'range bucket (`100000-500000`)',
  freeText: 'numbers and e-mails inside masked',
};

/** Applies a strategy to a resolved value; non-strings (numbers from pg) are masked as text. */
export function applyMask(strategy: MaskStrategy, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return MASKS[strategy](typeof value === 'string' ? value : String(value));
}
