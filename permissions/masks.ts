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

// ---------------------------------------------------------------------------------------------
// Numbers inside free text. One regex finds every run of digits in any script with separators
// between groups; only the runs it finds (rare in prose) are looked at character by character.

/**
 * Chinese numerals read as digits when they stand in a run: 〇/零/○ 0, 一/幺 1, 二/两 2 …, the
 * capital (financial) forms 壹贰叁肆伍陆柒捌玖 and their traditional spellings. 十/百/千 are
 * positional, not digits, and stay text.
 */
const ZH_DIGITS: Readonly<Record<string, string>> = {
  〇: '0', 零: '0', '○': '0', 一: '1', 幺: '1', 二: '2', 两: '2', 兩: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9',
  壹: '1', 贰: '2', 貳: '2', 叁: '3', 參: '3', 肆: '4', 伍: '5', 陆: '6', 陸: '6', 柒: '7', 捌: '8', 玖: '9',
};

/**
 * A digit: ASCII, full-width ０-９, the Chinese numerals above, and the other characters whose
 * NFKC form is one digit (¹²³, ₀-₉, ①-⑨, ⑴-⑼, ⒈-⒐, ⓪, maths 𝟎-𝟿, outlined and segmented 🯰-🯹,
 * 🄀-🄊) plus the dingbat circled digits NFKC leaves alone (⓵, ❶, ➀, ➊ …). Not counted: enclosed
 * numbers of two digits (⑩, ㉑), and other scripts' decimal digits (Arabic-Indic ٣ …) — NFKC keeps
 * those, and `\p{Nd}` in this class made the scan of every text about twice as slow.
 */
const DIGIT_CLASS =
  `[0-9\\uFF10-\\uFF19${Object.keys(ZH_DIGITS).join('')}\\u00B2\\u00B3\\u00B9\\u2070\\u2074-\\u2079\\u2080-\\u2089` +
  `\\u2460-\\u2468\\u2474-\\u247C\\u2488-\\u2490\\u24EA\\u24F5-\\u24FD\\u24FF\\u2776-\\u277E\\u2780-\\u2788\\u278A-\\u2792` +
  `\\u{1CCF0}-\\u{1CCF9}\\u{1D7CE}-\\u{1D7FF}\\u{1F100}-\\u{1F10C}\\u{1FBF0}-\\u{1FBF9}]`;

/**
 * What may stand between digit groups: any white space (several spaces, tab, line break,
 * no-break and ideographic U+3000 space), any dash (`-`, `—`, `–`, `－`, `〜` …, Unicode Pd) and
 * the minus sign, invisible format characters (zero-width space, soft hyphen …, Unicode Cf), and
 * `.` `_` `/` `·` `・` with their full-width and compatibility forms (whatever NFKC turns into one).
 * Not the comma: `1,234,567.89` is an amount, not a number run.
 */
const SEPARATOR_CLASS =
  '[\\s\\p{Pd}\\p{Cf}._/\\u00B7\\u0387\\u2024\\u2027\\u2212\\u2219\\u22C5\\u30FB\\uFE33\\uFE34\\uFE4D-\\uFE4F\\uFE52\\uFF0E\\uFF0F\\uFF3F\\uFF65]';

/**
 * The ID check character, ASCII or full-width. Taken even when a letter follows (`…002Xiao`):
 * it counts only after 17 digits, where it is one of the last 4 shown anyway.
 */
const CHECK_X_CLASS = '[XxＸｘ]';

/** Seven or more digits with any separators between them, and a trailing ID check character. */
const NUMBER_RUN = new RegExp(
  `${DIGIT_CLASS}(?:${SEPARATOR_CLASS}*${DIGIT_CLASS}){6,}(?:${SEPARATOR_CLASS}*${CHECK_X_CLASS})?`,
  'gu',
);
const ONE_DIGIT = new RegExp(`^${DIGIT_CLASS}$`, 'u');
const ONE_X = new RegExp(`^${CHECK_X_CLASS}$`, 'u');
const ASCII_DIGIT = /[0-9]/;
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** Dingbat circled digits one to nine (NFKC keeps them): first code point of each set. */
const DINGBAT_ONES = [0x24f5, 0x2776, 0x2780, 0x278a];
const DINGBAT_ZEROS = new Set([0x24ff, 0x1f10b, 0x1f10c]);

/** The ASCII digit a character matched by DIGIT_CLASS stands for. */
function digitOf(ch: string): string {
  if (ch >= '0' && ch <= '9') return ch;
  const zh = ZH_DIGITS[ch];
  if (zh !== undefined) return zh;
  const cp = ch.codePointAt(0) ?? 0;
  for (const one of DINGBAT_ONES) if (cp >= one && cp < one + 9) return String(cp - one + 1);
  if (DINGBAT_ZEROS.has(cp)) return '0';
  // Full-width, maths, superscript, enclosed …: NFKC gives the digit (`⑴` → `(1)`, `⒈` → `1.`).
  return ASCII_DIGIT.exec(ch.normalize('NFKC'))?.[0] ?? '0';
}

// Runs that are prose, not numbers, checked on the normalised run (digits + single separators).
const DATE = /^(?:19|20)\d\d([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])$/;
const DATE_HOUR = /^(?:19|20)\d\d([-./])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01]) (?:[01]?\d|2[0-3])$/;
const MINUTES_AFTER = /^[:：][0-5]\d/;
const AMOUNT = /^\d{1,6}\.\d{1,2}$/;

/** Whether a run (as `normalised`, ending at `end` in `text`) is a date, a date and hour, or an amount. */
function isProse(normalised: string, text: string, end: number): boolean {
  if (DATE.test(normalised) || AMOUNT.test(normalised)) return true;
  return DATE_HOUR.test(normalised) && MINUTES_AFTER.test(text.slice(end, end + 3));
}

/**
 * Which digits of a run of `n` stay (by position): a mainland mobile `138****5678`, a mobile
 * after `+86` keeps the 86 too, 13 digits and more (IDs, cards, longer runs) the first 3 and the
 * last 4, 7–12 other digits the last 4 only.
 */
function keptHead(digits: string, plus86: boolean): number {
  const n = digits.length;
  if (n === 11 && /^1[3-9]/.test(digits)) return 3;
  if (n === 13 && plus86 && /^861[3-9]/.test(digits)) return 5;
  return n >= 13 ? 3 : 0;
}

/** Masks one run found by NUMBER_RUN, in place: hidden digits become `*`, the rest stays as written. */
function maskNumberRun(run: string, offset: number, text: string): string {
  const chars = [...run];
  const isDigit = chars.map((ch) => ONE_DIGIT.test(ch));
  let digits = '';
  let normalised = '';
  let normalisedToLastDigit = 0;
  let lastWasSeparator = false;
  chars.forEach((ch, i) => {
    if (isDigit[i]) {
      const d = digitOf(ch);
      digits += d;
      normalised += d;
      normalisedToLastDigit = normalised.length;
      lastWasSeparator = false;
    } else if (!ONE_X.test(ch) && !lastWasSeparator) {
      const nfkc = ch.normalize('NFKC');
      normalised += /^\s+$/.test(nfkc) ? ' ' : nfkc;
      lastWasSeparator = true;
    }
  });
  // The check character counts only at the end of an 18-character ID; otherwise it is text.
  const last = chars.length - 1;
  const withX = ONE_X.test(chars[last]) && digits.length === 17;
  if (withX) digits += 'X';

  if (!withX && isProse(normalised.slice(0, normalisedToLastDigit), text, offset + run.length)) return run;

  const head = keptHead(digits, offset > 0 && /[+＋]$/.test(text.slice(Math.max(0, offset - 1), offset)));
  const tailFrom = digits.length - 4;
  let index = 0;
  let out = '';
  chars.forEach((ch, i) => {
    if (!isDigit[i] && !(withX && i === last)) {
      out += ch;
      return;
    }
    out += index < head || index >= tailFrom ? ch : '*';
    index += 1;
  });
  return out;
}

/**
 * Free text: any ID, card, phone or other number and any e-mail address inside it is masked in
 * place, whatever script or separators it is written in.
 *
 * A number is a run of 7 or more digits after normalisation: NFKC (full-width `１８８` → `188`),
 * Chinese numerals as digits (〇零一二三四五六七八九两幺, 壹贰叁肆伍陆柒捌玖), any separators
 * between groups (spaces — also several, and U+3000 —, dashes, `.` `_` `/` `·`, zero-width and
 * full-width forms), and an `X` check character at the end of an 18-character ID. A lone numeral
 * in prose (`一个`) is not a run. Of each run at most this many digits stay:
 *   - a mainland mobile (11 digits, 1[3-9]…): first 3 + last 4 — `138****5678`; written `+86…`
 *     the country code stays too (`+86138****5678`), the number's own digits shown are still 7;
 *   - 13 digits or more — IDs, cards, and any longer run: first 3 + last 4 (an ID as maskIdNumber,
 *     a card less than maskCard's first 6), so never more than 7 digits, and never 8 in a row;
 *   - any other run of 7–12 digits: the last 4 only (`*******5678`).
 * Left as written: a date `2026-11-30` (also with `/` or `.`, and with an hour when `:minutes`
 * follows: `2026-11-30 14:30`) and an amount of up to 6 whole digits with cents (`123456.78`);
 * a compact date (`20261130`) is an 8-digit run and keeps its last 4. Commas do not join groups,
 * so `1,234,567.89` stays.
 *
 * The masked run keeps its length and shape: every hidden digit becomes one ASCII `*` whatever
 * script it was written in; the digits that stay and the separators are kept as written (a
 * full-width number comes back `１８８****４５６７`, a Chinese one `一八八****四五六七`).
 */
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
  // A typed generalisation (birthYear, …Range) is already the masked form: served as computed.
  generalised: (value: string) => value,
} as const satisfies Record<string, (value: string) => string>;

export type MaskStrategy = keyof typeof MASKS;

export const MASK_DESCRIPTIONS: Record<MaskStrategy, string> = {
  generalised: 'a typed generalisation, served as computed (`birthYear: 1985`, `annualIncomeRange: { min: "100000", max: "500000" }`)',
  idNumber: 'first 3 + last 4 (`110***********002X`)',
  card: 'first 6 + last 4, PCI DSS (`622202*********1234`)',
  cardLast4: 'last 4 only (`***************1234`)',
  phone: 'first 3 + last 4 (`138****5678`)',
  email: 'first letter + domain (`z***@example.com`)',
  name: 'surname only (`张*`)',
  address: 'province + city (`浙江省杭州市*********`)',
  birthYear: 'year only: the field is null, `birthYear` holds the year (`1985`; `1985-**-**` in the change history)',
  moneyBucket: 'range bucket: the field is null, `…Range` holds it (`{ min: "100000", max: "500000" }`; `100000-500000` in the change history)',
  freeText:
    'every run of 7+ digits inside — after NFKC, Chinese numerals (〇零一…九两幺, 壹贰…玖) as digits, any spaces/dashes/`.`/`_`/`/`/`·` between groups — keeps at most 7: a mobile or 13+ digits (ID, card, longer) first 3 + last 4 (`138****5678`), 7–12 other digits last 4; dates (`2026-11-30`) and amounts up to 6 whole digits with cents stay; e-mails as email',
};

/**
 * Strategies whose masked form is no value of the field's GraphQL type (`1985-**-**` is no Date,
 * `100000-500000` no Decimal): in responses the field is null and the generalised value is served
 * typed in a field of its own (`birthYear: Int`, `annualIncomeRange: MoneyRange`), so a typed client
 * never meets a value its scalar cannot parse. The text forms stay for the change history.
 */
export const TYPE_CHANGING_MASKS: ReadonlySet<MaskStrategy> = new Set<MaskStrategy>(['birthYear', 'moneyBucket']);

/** The year of a `YYYY-MM-DD` date, or null. */
export function birthYearOf(value: string | null | undefined): number | null {
  return value && /^\d{4}-\d{2}-\d{2}$/.test(value) ? Number(value.slice(0, 4)) : null;
}

/** The bucket of MONEY_BUCKETS an amount falls in: `{ min: '100000', max: '500000' }`; max null above the last. */
export function moneyRangeOf(value: string | null | undefined): { min: string; max: string | null } | null {
  if (value === null || value === undefined || value.trim() === '') return null;
  const amount = Number(value);
  if (!Number.isFinite(amount) || amount < 0) return null;
  for (let i = MONEY_BUCKETS.length - 1; i >= 0; i -= 1) {
    if (amount >= MONEY_BUCKETS[i]) {
      const upper = MONEY_BUCKETS[i + 1];
      return { min: String(MONEY_BUCKETS[i]), max: upper === undefined ? null : String(upper) };
    }
  }
  return null;
}

/** Applies a strategy to a resolved value; non-strings (numbers from pg) are masked as text. */
export function applyMask(strategy: MaskStrategy, value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return MASKS[strategy](typeof value === 'string' ? value : String(value));
}

/** The year in a stored masked birth date (`1985-**-**`), or null: the typed form without decrypting. */
export function birthYearOfMasked(masked: string | null | undefined): number | null {
  return masked && /^\d{4}-\*\*-\*\*$/.test(masked) ? Number(masked.slice(0, 4)) : null;
}

/** The bucket in a stored masked amount (`100000-500000`, `10000000+`), or null. */
export function moneyRangeOfMasked(masked: string | null | undefined): { min: string; max: string | null } | null {
  const match = masked ? /^(\d+)(?:-(\d+)|\+)$/.exec(masked) : null;
  return match ? { min: match[1], max: match[2] ?? null } : null;
}
