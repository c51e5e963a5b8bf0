/**
 * Free-text masking against numbers written the way people (and attackers) write them:
 * full-width digits, Chinese numerals (〇/零/两/幺, capital 壹贰叁…), mixed scripts, and any
 * separators between any groupings — inside Chinese and English prose. After maskFreeText, the
 * text normalised again (by this file's own normaliser, not the implementation's) must hold no
 * 8 consecutive digits of the number and no more than 7 of its digits in total.
 *
 * PROPERTY_RUNS sets the number of runs (default 500); PROPERTY_SEED replays a failure.
 */
import fc from 'fast-check';
import { maskFreeText } from '../../permissions/masks';
import { withLuhnDigit } from '../../src/domain/bank-card';
import { buildNationalId } from '../../src/domain/national-id';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 500);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);

// ---------------------------------------------------------------------------------------------
// This file's own normaliser: NFKC, every Chinese numeral to its digit, separators dropped.

const ZH_TO_DIGIT: Record<string, string> = {
  〇: '0', 零: '0', 一: '1', 幺: '1', 二: '2', 两: '2', 三: '3', 四: '4', 五: '5', 六: '6', 七: '7', 八: '8', 九: '9',
  壹: '1', 贰: '2', 叁: '3', 肆: '4', 伍: '5', 陆: '6', 柒: '7', 捌: '8', 玖: '9',
};
const TEST_SEPARATORS = /[\s\-._/·—–]/gu;

/** The text as digits would read it: NFKC, numerals as digits, separators removed, X upper case. */
function normalise(text: string): string {
  return [...text.normalize('NFKC')]
    .map((ch) => ZH_TO_DIGIT[ch] ?? ch)
    .join('')
    .replace(TEST_SEPARATORS, '')
    .replace(/x/g, 'X');
}

// ---------------------------------------------------------------------------------------------
// Numbers.

const digitString = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((ds) => ds.join(''));

const AREA_CODES = ['110105', '310101', '440301', '510104', '330106', '420102', '650102', '130102'];

/** Valid 18-character resident ID numbers (check character X about one time in eleven). */
const nationalId = fc
  .record({
    area: fc.constantFrom(...AREA_CODES),
    birth: fc.date({ min: new Date('1940-01-01T00:00:00Z'), max: new Date('2008-12-31T00:00:00Z'), noInvalidDate: true }),
    sequence: fc.integer({ min: 0, max: 999 }),
    gender: fc.constantFrom('MALE' as const, 'FEMALE' as const),
  })
  .map(({ area, birth, sequence, gender }) => buildNationalId(area, birth.toISOString().slice(0, 10), sequence, gender));

/** Mainland mobile numbers: 1[3-9] + 9 digits. */
const mobile = fc.tuple(fc.integer({ min: 3, max: 9 }), digitString(9, 9)).map(([second, rest]) => `1${second}${rest}`);

/** Bank cards, 16–19 digits, Luhn-valid, UnionPay-like or Visa/Mastercard-like prefixes. */
const card = fc
  .tuple(fc.constantFrom('62', '4', '5', '60'), fc.integer({ min: 16, max: 19 }))
  .chain(([prefix, length]) => digitString(length - prefix.length - 1, length - prefix.length - 1).map((body) => withLuhnDigit(prefix + body)));

/** Runs longer than any ID or card (20–40 digits), and an ID with digits glued on either side. */
const longRun = fc.oneof(
  digitString(20, 40),
  fc.tuple(digitString(1, 4), nationalId, digitString(0, 4)).map(([a, id, b]) => a + id.replace('X', '0') + b),
);

const number = fc.oneof(nationalId, mobile, card, longRun);

// ---------------------------------------------------------------------------------------------
// Writing a number down.

const ASCII = '0123456789';
const FULL_WIDTH = '０１２３４５６７８９';
const ZH_LOWER = ['〇零', '一幺', '二两', '三', '四', '五', '六', '七', '八', '九'];
const ZH_CAPITAL = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const X_FORMS = ['X', 'x', 'Ｘ', 'ｘ'];

type Script = 'ascii' | 'fullWidth' | 'zhLower' | 'zhCapital' | 'mixed';
const SCRIPTS: Script[] = ['ascii', 'fullWidth', 'zhLower', 'zhCapital', 'mixed'];

/** Separators people put between digit groups (after NFKC all are space, - . _ / · or a dash). */
const SEPARATORS = [' ', '  ', '   ', '\u3000', '\u00a0', '\t', '-', '－', '.', '．', '_', '＿', '/', '／', '·', '—', '–', ' - ', ' / ', '. '];

/** Picks one written form of digit `d` in `script` using the random choice `pick` in [0, 1). */
function writeDigit(d: string, script: Script, pick: number): string {
  if (d === 'X') return X_FORMS[Math.floor(pick * X_FORMS.length)];
  const n = Number(d);
  const forms =
    script === 'ascii' ? [ASCII[n]] : script === 'fullWidth' ? [FULL_WIDTH[n]] : script === 'zhLower' ? [...ZH_LOWER[n]] : script === 'zhCapital' ? [ZH_CAPITAL[n]] : [ASCII[n], FULL_WIDTH[n], ...ZH_LOWER[n], ZH_CAPITAL[n]];
  return forms[Math.floor(pick * forms.length)];
}

/** A number written in a script, cut into random groups with random separators (or none) between. */
const written = (digits: string) =>
  fc
    .record({
      script: fc.constantFrom(...SCRIPTS),
      picks: fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: digits.length, maxLength: digits.length }),
      cuts: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: digits.length, maxLength: digits.length }),
      seps: fc.array(fc.oneof(fc.constantFrom(...SEPARATORS), fc.constant('')), { minLength: digits.length, maxLength: digits.length }),
    })
    .map(({ script, picks, cuts, seps }) => {
      let out = '';
      let i = 0;
      let g = 0;
      while (i < digits.length) {
        const size = cuts[g];
        for (let k = 0; k < size && i < digits.length; k++, i++) out += writeDigit(digits[i], script, picks[i]);
        if (i < digits.length) out += seps[g];
        g++;
      }
      return out;
    });

// Prose with no digits, no numerals, no x and no separator at its edges next to the number.
const PROSE = [
  '客户来电反映', '请回电', '联系电话', '身份证号码', '卡号', '本人账户', '已核实身份', '投诉处理中', '请尽快处理',
  '客户称', '退款至', '转账给', '，', '。', '：', '（', '）', '“', '”',
  'Please call back on', 'my card is', 'ID', 'phone:', 'refund to', 'the customer says', 'thanks!', '(', ')', ',', ':',
];
const prose = fc.array(fc.constantFrom(...PROSE), { maxLength: 4 }).map((parts) => parts.join(''));

const sample = number.chain((digits) => fc.record({ digits: fc.constant(digits), text: written(digits), before: prose, after: prose }));

describe('maskFreeText against numbers in any script, grouping and separator', () => {
  it('leaves no 8 consecutive digits and no more than 7 digits of an ID, phone, card or long run', () => {
    fc.assert(
      fc.property(sample, ({ digits, text, before, after }) => {
        const input = `${before}${text}${after}`;
        const masked = maskFreeText(input);
        const out = normalise(masked);

        // The prose around the number is unchanged and the masked text keeps its length.
        expect(masked.startsWith(before)).toBe(true);
        expect(masked.endsWith(after)).toBe(true);
        expect([...masked].length).toBe([...input].length);

        // No 8 consecutive digits of the original number survive.
        for (const run of out.match(/[0-9X]{8,}/g) ?? []) {
          for (let i = 0; i + 8 <= run.length; i++) expect(digits.includes(run.slice(i, i + 8))).toBe(false);
        }
        // No more than 7 of its digits survive in total (the prose has none of its own).
        expect((out.match(/[0-9X]/g) ?? []).length).toBeLessThanOrEqual(7);
      }),
      { numRuns: RUNS, seed: SEED },
    );
  });

  it('is idempotent: masking masked text changes nothing', () => {
    fc.assert(
      fc.property(sample, ({ text, before, after }) => {
        const once = maskFreeText(`${before}${text}${after}`);
        expect(maskFreeText(once)).toBe(once);
      }),
      { numRuns: Math.ceil(RUNS / 5), seed: SEED },
    );
  });
});

describe('maskFreeText: the attack formats', () => {
  it.each([
    ['full-width digits with spaces', '请回电 １８８ ０１２３ ４５６７', '请回电 １８８ **** ４５６７'],
    ['full-width digits in one run', '手机１３８１２３４５６７８', '手机１３８****５６７８'],
    ['Chinese numerals with 零', '一八八零一二三四五六七', '一八八****四五六七'],
    ['Chinese numerals with 〇', '电话一三八〇〇一二三四五六', '电话一三八****三四五六'],
    ['spoken numerals: 幺 for one, 两 for two', '打幺三八幺两三四五六七八', '打幺三八****五六七八'],
    ['capital numerals', '壹捌捌零壹贰叁肆伍陆柒', '壹捌捌****肆伍陆柒'],
    ['mixed scripts', '1八８0一２三4五６7', '1八８****4五６7'],
    ['dingbat circled digits (NFKC keeps them)', '➀➂➇➀➁➂➃➄➅➆➇', '➀➂➇****➄➅➆➇'],
    ['dots', '188.0123.4567', '188.****.4567'],
    ['double spaces', '188  0123  4567', '188  ****  4567'],
    ['underscores', '188_0123_4567', '188_****_4567'],
    ['slashes', '188/0123/4567', '188/****/4567'],
    ['middle dots', '188·0123·4567', '188·****·4567'],
    ['em dashes', '188—0123—4567', '188—****—4567'],
    ['ideographic spaces', '188\u30000123\u30004567', '188\u3000****\u30004567'],
    ['full-width punctuation', '188．0123／4567＿', '188．****／4567＿'],
    ['a zero-width space', '188\u200b0123\u200b4567', '188\u200b****\u200b4567'],
    ['an ID in full-width with a full-width X', '身份证１１０１０５１９４９１２３１００２Ｘ', '身份证１１０***********００２Ｘ'],
    ['an ID in groups with dots', '证件 110105.19491231.002X', '证件 110***.********.002X'],
    ['a 19-digit run containing an ID', '号码1101051949123100215', `号码110${'*'.repeat(12)}0215`],
    ['a 25-digit run', '流水号 1234567890123456789012345', `流水号 123${'*'.repeat(18)}2345`],
    ['a run of more than 19 digits in groups', '6222 0212 3456 1234 5678 90', '622* **** **** **** **78 90'],
  ])('masks %s', (_label, text, expected) => {
    expect(maskFreeText(text)).toBe(expected);
  });
});

describe('maskFreeText: ordinary prose stays as written', () => {
  it.each([
    ['a single 一 in prose', '一个客户来电，说了一下情况', '一个客户来电，说了一下情况'],
    ['numerals in prose, fewer than 7 in a run', '三三两两的客户，第一二三次来电', '三三两两的客户，第一二三次来电'],
    ['small counts', '客户来电 3 次，共 12 笔', '客户来电 3 次，共 12 笔'],
    ['an amount with thousands separators', '金额 1,234.50 元', '金额 1,234.50 元'],
    ['a large amount with thousands separators', '余额 12,345,678.90 元', '余额 12,345,678.90 元'],
    ['an amount with cents, up to 6 whole digits', '转账 123456.78 元', '转账 123456.78 元'],
    ['a date', '2026-11-30 到期', '2026-11-30 到期'],
    ['a date with slashes and a time', '2026/11/30 14:30 来电', '2026/11/30 14:30 来电'],
    ['a date with dots', '截至2026.11.30', '截至2026.11.30'],
    ['a date in Chinese', '二〇二六年十一月三十日', '二〇二六年十一月三十日'],
    ['a short number with separators', '分机 12-34', '分机 12-34'],
  ])('leaves %s alone', (_label, text, expected) => {
    expect(maskFreeText(text)).toBe(expected);
  });

  it('masks a compact 8-digit date like any 8-digit run (last 4 only)', () => {
    expect(maskFreeText('日期20261130')).toBe('日期****1130');
  });

  it('still masks e-mail addresses', () => {
    expect(maskFreeText('邮箱 zhang.san@example.com，电话 188 0123 4567')).toBe('邮箱 z***@example.com，电话 188 **** 4567');
  });
});

describe('maskFreeText: every character Unicode normalises to a digit or separator', () => {
  /** Code points up to U+1FFFF whose NFKC form passes `accept` (skipping ASCII and surrogates). */
  function codePointsWhere(accept: (nfkc: string, ch: string) => boolean): string[] {
    const found: string[] = [];
    for (let cp = 0x80; cp <= 0x1ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const ch = String.fromCodePoint(cp);
      if (accept(ch.normalize('NFKC'), ch)) found.push(ch);
    }
    return found;
  }

  it('counts as a digit every character NFKC turns into one digit (full-width, maths, circled …)', () => {
    const digitLike = codePointsWhere((nfkc) => /^\(?[0-9][.,)]?$/.test(nfkc));
    expect(digitLike.length).toBeGreaterThan(50);
    const missed = digitLike.filter((ch) => {
      const d = ch.normalize('NFKC').replace(/\D/g, '');
      // 188 0123 456d written with this character for its last digit.
      return maskFreeText(`188 0123 456${ch}`) !== `188 **** 456${ch}` || d === '';
    });
    expect(missed).toEqual([]);
  });

  it('joins groups across every separator NFKC turns into white space, `-`, `.`, `_`, `/` or `·`', () => {
    const separators = codePointsWhere((nfkc, ch) => /^(?:\s+|[-._/·・])$/u.test(nfkc) || /^[\p{Pd}\p{Cf}]$/u.test(ch));
    expect(separators).toEqual(expect.arrayContaining(['\u3000', '－', '．', '＿', '／', '—', '\u200b']));
    const missed = separators.filter((sep) => maskFreeText(`188${sep}0123${sep}4567`) !== `188${sep}****${sep}4567`);
    expect(missed).toEqual([]);
  });
});
