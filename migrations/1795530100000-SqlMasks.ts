/**
 * The masks of permissions/masks.ts as SQL functions (issue 16, item 1): a read compiled to one
 * SQL statement masks in PostgreSQL instead of in Node. One function per strategy, in the schema
 * `policy_masks`; permissions/sql-masks.ts names them per strategy, and
 * test/permissions/sql-masks.test.ts proves each equal to its TypeScript original over generated
 * values (a difference is a failure).
 *
 * Equal means equal on every value PostgreSQL text can hold (valid Unicode without NUL, which is
 * also all a JS string from the database can be): characters are code points on both sides
 * (length/left/right/substr on a UTF8 database count characters, `[...value]` in JS too); JS `\s`
 * and `trim()` are the explicit list below (U+3000, NBSP, U+FEFF, U+2028/9 …), never PostgreSQL's
 * locale-dependent classes; `\d` is `[0-9]`; JS `.` (u flag) is any code point but a line
 * terminator. Where the TypeScript counts UTF-16 units (maskBirthDate's `value.length`), so does
 * the SQL (astral characters count twice): maskCard's `digits.length < 13` too.
 *
 * Money: `money_bucket(numeric)` equals maskMoney(the numeric's text) for EVERY numeric, NaN and
 * ±Infinity included, although maskMoney goes through a JS double: the bucket boundaries are
 * compared against the exact decimal limits of the double rounding (B − 2^(⌊log2 B⌋−53) rounds up to
 * B; below −2^−1075 is negative, above is −0; from 2^1024 − 2^970 on, ±Infinity). The money columns
 * (numeric(18,2), numeric(20,2)) never come near those limits, but nothing is left to luck.
 * `money_bucket(text)` follows JS Number(): JS white space trimmed, '' → `*`, `1e5`, `.5`, `5.`,
 * `+1`, `0x10`/`0o17`/`0b11` (no sign), `Infinity` (→ `*`), anything else NaN (→ `*`).
 *
 * Why the SQL functions are not STRICT: PostgreSQL inlines a LANGUAGE sql function into the calling
 * statement (no call at all: the expression is planned in place) only if, when STRICT, its body is
 * strict — and CASE is not. So they are IMMUTABLE PARALLEL SAFE, not STRICT, and each body returns
 * NULL for NULL (tested). Only `address`, `free_text` and `money_bucket(text)` need local
 * variables or loops: plpgsql, STRICT. `address`'s column is sealed at rest (its masked form is
 * stored), so it is not on a compiled read's hot path.
 *
 * freeText: `free_text` is maskFreeText step by step in plpgsql. Its character classes (digits of
 * every script with their values, separators with their NFKC form) are enumerated from masks.ts over
 * every code point with Node's Unicode and frozen below as code points, so neither PostgreSQL's
 * Unicode tables nor its `normalize()` enter; the test compares both over every code point in the
 * places of a number run, so a Node upgrade that moves a class fails there. Sealed free texts store
 * their masked form (`<column>_masked`): a compiled read selects that; `free_text` serves the free
 * texts that are not sealed (staff notes on consents, reviews, erasures, manager changes).
 */
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1795334400000-AuditRegister';

/** Frozen here (a migration does not follow later code): JS `\s` and String.prototype.trim's set. */
const JS_WHITE_SPACE = [
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0xa0, 0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008,
  0x2009, 0x200a, 0x2028, 0x2029, 0x202f, 0x205f, 0x3000, 0xfeff,
];
const hex4 = (cp: number) => cp.toString(16).padStart(4, '0');
/** A regex bracket of JS white space (PostgreSQL ARE escapes; regexp_replace beats translate() here). */
const WS_CLASS = `[${JS_WHITE_SPACE.map((cp) => `\\u${hex4(cp)}`).join('')}]`;
/** The same characters as a string for btrim(). */
const WS_CHARS = `U&'${JS_WHITE_SPACE.map((cp) => `\\${hex4(cp)}`).join('')}'`;
/** JS `.` with the u flag and no s flag: any code point but the line terminators. */
const JS_DOT = '[^\\u000a\\u000d\\u2028\\u2029]';

/** An exact decimal literal of numerator / 10^scale. */
function decimal(numerator: bigint, scale: number): string {
  const negative = numerator < 0n;
  const digits = (negative ? -numerator : numerator).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  return `${negative ? '-' : ''}${text}`;
}
/** 2^exponent as an exact decimal literal. */
function powerOfTwo(exponent: number): string {
  return exponent >= 0 ? (2n ** BigInt(exponent)).toString() : decimal(5n ** BigInt(-exponent), -exponent);
}
/** The least decimal a JS double rounds to ≥ the integer B (round half to even; B's mantissa is even). */
function roundsUpTo(bucket: number): string {
  const ulpExponent = Math.floor(Math.log2(bucket)) - 53; // half a unit in the last place below B
  const scale = -ulpExponent;
  return decimal(BigInt(bucket) * 10n ** BigInt(scale) - 5n ** BigInt(scale), scale);
}

// ---------------------------------------------------------------------------------------------
// maskFreeText's character classes, enumerated from masks.ts over every code point with Node's
// Unicode (17.0: `\s`, `\p{Pd}`, `\p{Cf}` and the listed characters; NFKC for digit values and
// separators) and frozen here, so PostgreSQL's own Unicode tables never enter.

/** [first, last, digit of first]: the digits of a run, each range counting up (mod 10) from its first. */
const FREE_TEXT_DIGITS: [number, number, string][] = [
  [0x30, 0x39, '0'], [0xb2, 0xb3, '2'], [0xb9, 0xb9, '1'], [0x2070, 0x2070, '0'], [0x2074, 0x2079, '4'],
  [0x2080, 0x2089, '0'], [0x2460, 0x2468, '1'], [0x2474, 0x247c, '1'], [0x2488, 0x2490, '1'], [0x24ea, 0x24ea, '0'],
  [0x24f5, 0x24fd, '1'], [0x24ff, 0x24ff, '0'], [0x25cb, 0x25cb, '0'], [0x2776, 0x277e, '1'], [0x2780, 0x2788, '1'],
  [0x278a, 0x2792, '1'], [0x3007, 0x3007, '0'], [0x4e00, 0x4e00, '1'], [0x4e03, 0x4e03, '7'], [0x4e09, 0x4e09, '3'],
  [0x4e24, 0x4e24, '2'], [0x4e5d, 0x4e5d, '9'], [0x4e8c, 0x4e8c, '2'], [0x4e94, 0x4e94, '5'], [0x4f0d, 0x4f0d, '5'],
  [0x5169, 0x5169, '2'], [0x516b, 0x516b, '8'], [0x516d, 0x516d, '6'], [0x53c1, 0x53c1, '3'], [0x53c3, 0x53c3, '3'],
  [0x56db, 0x56db, '4'], [0x58f9, 0x58f9, '1'], [0x5e7a, 0x5e7a, '1'], [0x634c, 0x634c, '8'], [0x67d2, 0x67d2, '7'],
  [0x7396, 0x7396, '9'], [0x8086, 0x8086, '4'], [0x8cb3, 0x8cb3, '2'], [0x8d30, 0x8d30, '2'], [0x9646, 0x9646, '6'],
  [0x9678, 0x9678, '6'], [0x96f6, 0x96f6, '0'], [0xff10, 0xff19, '0'], [0x1ccf0, 0x1ccf9, '0'],
  [0x1d7ce, 0x1d7ff, '0'], [0x1f100, 0x1f100, '0'], [0x1f101, 0x1f10b, '0'], [0x1f10c, 0x1f10c, '0'],
  [0x1fbf0, 0x1fbf9, '0'],
];
/**
 * [first, last, normalised]: the separators between digit groups and what they are in the
 * normalised run the prose rules read (NFKC; white space is ' '); '~' stands for any other
 * character, which no prose rule accepts.
 */
const FREE_TEXT_SEPARATORS: [number, number, string][] = [
  [0x9, 0xd, ' '], [0x20, 0x20, ' '], [0x2d, 0x2d, '-'], [0x2e, 0x2e, '.'], [0x2f, 0x2f, '/'], [0x5f, 0x5f, '~'],
  [0xa0, 0xa0, ' '], [0xad, 0xad, '~'], [0xb7, 0xb7, '~'], [0x387, 0x387, '~'], [0x58a, 0x58a, '~'],
  [0x5be, 0x5be, '~'], [0x600, 0x605, '~'], [0x61c, 0x61c, '~'], [0x6dd, 0x6dd, '~'], [0x70f, 0x70f, '~'],
  [0x890, 0x891, '~'], [0x8e2, 0x8e2, '~'], [0x1400, 0x1400, '~'], [0x1680, 0x1680, ' '], [0x1806, 0x1806, '~'],
  [0x180e, 0x180e, '~'], [0x2000, 0x200a, ' '], [0x200b, 0x2015, '~'], [0x2024, 0x2024, '.'], [0x2027, 0x2027, '~'],
  [0x2028, 0x2029, ' '], [0x202a, 0x202e, '~'], [0x202f, 0x202f, ' '], [0x205f, 0x205f, ' '], [0x2060, 0x2064, '~'],
  [0x2066, 0x206f, '~'], [0x2212, 0x2212, '~'], [0x2219, 0x2219, '~'], [0x22c5, 0x22c5, '~'], [0x2e17, 0x2e17, '~'],
  [0x2e1a, 0x2e1a, '~'], [0x2e3a, 0x2e3b, '~'], [0x2e40, 0x2e40, '~'], [0x2e5d, 0x2e5d, '~'], [0x3000, 0x3000, ' '],
  [0x301c, 0x301c, '~'], [0x3030, 0x3030, '~'], [0x30a0, 0x30a0, '~'], [0x30fb, 0x30fb, '~'], [0xfe31, 0xfe34, '~'],
  [0xfe4d, 0xfe4f, '~'], [0xfe52, 0xfe52, '.'], [0xfe58, 0xfe58, '~'], [0xfe63, 0xfe63, '-'], [0xfeff, 0xfeff, ' '],
  [0xff0d, 0xff0d, '-'], [0xff0e, 0xff0e, '.'], [0xff0f, 0xff0f, '/'], [0xff3f, 0xff3f, '~'], [0xff65, 0xff65, '~'],
  [0xfff9, 0xfffb, '~'], [0x10d6e, 0x10d6e, '~'], [0x10ead, 0x10ead, '~'], [0x110bd, 0x110bd, '~'],
  [0x110cd, 0x110cd, '~'], [0x13430, 0x1343f, '~'], [0x1bca0, 0x1bca3, '~'], [0x1d173, 0x1d17a, '~'],
  [0xe0001, 0xe0001, '~'], [0xe0020, 0xe007f, '~'],
];

const cpEscape = (cp: number) => (cp > 0xffff ? `\\U${cp.toString(16).padStart(8, '0')}` : `\\u${hex4(cp)}`);
const bracket = (ranges: [number, number, string][]) => `[${ranges.map(([a, b]) => (a === b ? cpEscape(a) : `${cpEscape(a)}-${cpEscape(b)}`)).join('')}]`;
/** U&'' literal of every character of the ranges, and one of the same length mapping each to its value. */
function translation(ranges: [number, number, string][], valueOf: (first: string, offset: number) => string): [string, string] {
  const from: string[] = [];
  const to: string[] = [];
  for (const [a, b, first] of ranges) {
    for (let cp = a; cp <= b; cp += 1) {
      from.push(cp > 0xffff ? `\\+${cp.toString(16).padStart(6, '0')}` : `\\${hex4(cp)}`);
      to.push(valueOf(first, cp - a));
    }
  }
  return [`U&'${from.join('')}'`, `'${to.join('')}'`];
}
const FT_DIGIT = bracket(FREE_TEXT_DIGITS);
const FT_SEPARATOR = bracket(FREE_TEXT_SEPARATORS);
const FT_X = '[XxＸｘ]';
const [FT_DIGIT_CHARS, FT_DIGIT_VALUES] = translation(FREE_TEXT_DIGITS, (first, offset) => String((Number(first) + offset) % 10));
const [FT_SEPARATOR_CHARS, FT_SEPARATOR_VALUES] = translation(FREE_TEXT_SEPARATORS, (value) => value);
/** NUMBER_RUN: greedy, so PostgreSQL's leftmost-longest match is JS's (digits, separators and X are disjoint). */
const FT_RUN = `${FT_DIGIT}(?:${FT_SEPARATOR}*${FT_DIGIT}){6,}(?:${FT_SEPARATOR}*${FT_X})?`;

/** Frozen copy of MONEY_BUCKETS. */
const BUCKETS = [0, 10_000, 50_000, 100_000, 500_000, 1_000_000, 5_000_000, 10_000_000];
/** From here on Number() gives Infinity (2^1024 − 2^970: halfway between MAX_VALUE and 2^1024, rounds to even = up). */
const OVERFLOW = (2n ** 1024n - 2n ** 970n).toString();
/** Negative values above this become −0 (halfway to the least subnormal rounds to even = 0). */
const NEGATIVE_ZERO = `-${powerOfTwo(-1075)}`;

function moneyBucketBody(v: string): string {
  const upper = BUCKETS.slice(1).reverse().map((bucket, i, list) => {
    const next = i === 0 ? null : list[i - 1];
    return `WHEN ${v} >= ${roundsUpTo(bucket)} THEN '${bucket}${next === null ? '+' : `-${next}`}'`;
  });
  return `CASE WHEN ${v} = 'NaN'::numeric OR ${v} >= ${OVERFLOW} OR ${v} <= -${OVERFLOW} THEN '*'
    ${upper.join('\n    ')}
    WHEN ${v} >= ${NEGATIVE_ZERO} THEN '0-${BUCKETS[1]}'
    WHEN ${v} < ${NEGATIVE_ZERO} THEN '<0' END`;
}

/** [name and arguments (RETURNS text unless said), language, body], in creation order. */
const FUNCTIONS: [string, 'sql' | 'plpgsql', string][] = [
  [
    'keep_ends(v text, head integer, tail integer)',
    'sql',
    `SELECT CASE WHEN length(v) <= head + tail THEN repeat('*', length(v))
      ELSE left(v, head) || repeat('*', length(v) - head - tail) || right(v, tail) END`,
  ],
  // JS `value.length`: UTF-16 units, an astral character counts twice.
  // (The match test is cheap; counting astral characters is not, so only when there are some.)
  [
    'utf16_length(v text) RETURNS integer',
    'sql',
    `SELECT CASE WHEN v ~ '[\\U00010000-\\U0010ffff]' THEN length(v) + length(regexp_replace(v, '[^\\U00010000-\\U0010ffff]', '', 'g'))
      ELSE length(v) END`,
  ],
  ['id_number(v text)', 'sql', `SELECT policy_masks.keep_ends(v, 3, 4)`],
  [
    'card(v text)',
    'sql',
    // Two keep_ends calls with constant ends: a computed `head` argument (used three times) would
    // cost enough that PostgreSQL no longer inlines keep_ends (the test checks the plan).
    `SELECT CASE WHEN policy_masks.utf16_length(regexp_replace(v, '${WS_CLASS}', '', 'g')) < 13
      THEN policy_masks.keep_ends(regexp_replace(v, '${WS_CLASS}', '', 'g'), 0, 4)
      ELSE policy_masks.keep_ends(regexp_replace(v, '${WS_CLASS}', '', 'g'), 6, 4) END`,
  ],
  ['card_last4(v text)', 'sql', `SELECT policy_masks.keep_ends(regexp_replace(v, '${WS_CLASS}', '', 'g'), 0, 4)`],
  ['phone(v text)', 'sql', `SELECT policy_masks.keep_ends(v, CASE WHEN v ~ '^1[0-9]{10}$' THEN 3 ELSE 0 END, 4)`],
  [
    'email(v text)',
    'sql',
    // lastIndexOf('@') ≤ 0: none, or only the first character.
    `SELECT CASE WHEN strpos(reverse(v), '@') IN (0, length(v)) THEN repeat('*', length(v))
      ELSE left(v, 1) || '***' || right(v, strpos(reverse(v), '@')) END`,
  ],
  [
    'person_name(v text)',
    'sql',
    `SELECT CASE length(btrim(v, ${WS_CHARS})) WHEN 0 THEN v WHEN 1 THEN '*'
      ELSE left(btrim(v, ${WS_CHARS}), 1) || repeat('*', length(btrim(v, ${WS_CHARS})) - 1) END`,
  ],
  [
    'address(v text)',
    'plpgsql',
    // Two steps, each one lazy quantifier: the shortest match is the JS lazy match because no
    // suffix (省 自治区 特别行政区 市 / 市 自治州 地区 盟) starts inside another.
    `DECLARE
      province text := substring(v from '^${JS_DOT}{2,8}?(?:省|自治区|特别行政区|市)');
      city text;
    BEGIN
      IF province IS NULL THEN RETURN repeat('*', length(v)); END IF;
      city := coalesce(substring(substr(v, length(province) + 1) from '^[^省市区县]{1,8}?(?:市|自治州|地区|盟)'), '');
      RETURN province || city || repeat('*', length(v) - length(province) - length(city));
    END`,
  ],
  [
    'birth_year(v text)',
    'sql',
    // Not a date: as many stars as UTF-16 units (value.length), astral characters twice.
    `SELECT CASE WHEN v ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$' THEN left(v, 4) || '-**-**'
      ELSE repeat('*', policy_masks.utf16_length(v)) END`,
  ],
  ['money_bucket(v numeric)', 'sql', `SELECT ${moneyBucketBody('v')}`],
  [
    'money_bucket(v text)',
    'plpgsql',
    // JS Number(v): StringNumericLiteral after trimming JS white space; anything else is NaN.
    `DECLARE
      t text := btrim(v, ${WS_CHARS});
      parts text[];
      digits text;
      pos integer;
      point numeric; -- where the decimal point stands in digits (any exponent, exactly)
      radix integer;
      n numeric := 0;
      i integer;
    BEGIN
      IF t = '' OR t ~ '^[+-]?Infinity$' THEN RETURN '*'; END IF;
      IF t ~ '^0([xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+)$' THEN
        radix := CASE lower(substr(t, 2, 1)) WHEN 'x' THEN 16 WHEN 'o' THEN 8 ELSE 2 END;
        digits := ltrim(lower(substr(t, 3)), '0');
        -- 2^1024 and more: Infinity.
        IF (length(digits) - 1) * (CASE radix WHEN 16 THEN 4 WHEN 8 THEN 3 ELSE 1 END) >= 1024 THEN RETURN '*'; END IF;
        FOR i IN 1 .. length(digits) LOOP
          n := n * radix + strpos('0123456789abcdef', substr(digits, i, 1)) - 1;
        END LOOP;
        RETURN policy_masks.money_bucket(n);
      END IF;
      parts := regexp_match(t, '^([+-]?)([0-9]*)(?:\\.([0-9]*))?(?:[eE]([+-]?[0-9]+))?$');
      IF parts IS NULL OR parts[2] || coalesce(parts[3], '') = '' THEN RETURN '*'; END IF;
      digits := parts[2] || coalesce(parts[3], '');
      point := length(parts[2]);
      IF parts[4] IS NOT NULL THEN point := point + parts[4]::numeric; END IF;
      point := point - (length(digits) - length(ltrim(digits, '0')));
      digits := ltrim(digits, '0');
      IF digits = '' THEN RETURN policy_masks.money_bucket(0::numeric); END IF;
      -- The first digit's power of ten: beyond 10^400 Infinity, below 10^-1100 ±0 (Number gives ±0).
      IF point - 1 > 400 THEN RETURN '*'; END IF;
      IF point - 1 < -1100 THEN RETURN policy_masks.money_bucket(0::numeric); END IF;
      pos := point::integer;
      -- Past 1200 decimals only whether anything is left matters (no limit has more than 1075).
      IF length(digits) - pos > 1200 THEN
        digits := left(digits, pos + 1200) || CASE WHEN ltrim(substr(digits, pos + 1201), '0') = '' THEN '' ELSE '1' END;
      END IF;
      n := (parts[1] || CASE
        WHEN pos <= 0 THEN '0.' || repeat('0', -pos) || digits
        WHEN pos >= length(digits) THEN digits || repeat('0', pos - length(digits))
        ELSE left(digits, pos) || '.' || substr(digits, pos + 1) END)::numeric;
      RETURN policy_masks.money_bucket(n);
    END`,
  ],
  [
    'free_text(v text)',
    'plpgsql',
    // maskFreeText step by step: each number run (regexp_instr from where the last ended, as
    // String.replace does), its digits and its normalised form, the prose rules, the digits kept;
    // then the e-mail addresses (a greedy RE: leftmost-longest is JS's match here too).
    `DECLARE
      out text := '';
      pos integer := 1;
      s integer;
      e integer;
      run text;
      chars text[];
      n integer;
      i integer;
      ch text;
      d text;
      digits text;
      normalised text;
      to_last_digit integer;
      last_was_separator boolean;
      with_x boolean;
      head integer;
      tail_from integer;
      k integer;
      masked text;
    BEGIN
      LOOP
        s := regexp_instr(v, '${FT_RUN}', pos);
        EXIT WHEN s = 0;
        e := regexp_instr(v, '${FT_RUN}', pos, 1, 1);
        run := substr(v, s, e - s);
        chars := regexp_split_to_array(run, '');
        n := array_length(chars, 1);
        digits := '';
        normalised := '';
        to_last_digit := 0;
        last_was_separator := false;
        FOR i IN 1 .. n LOOP
          ch := chars[i];
          IF strpos(${FT_DIGIT_CHARS}, ch) > 0 THEN
            d := translate(ch, ${FT_DIGIT_CHARS}, ${FT_DIGIT_VALUES});
            digits := digits || d;
            normalised := normalised || d;
            to_last_digit := length(normalised);
            last_was_separator := false;
          ELSIF ch !~ '^${FT_X}$' AND NOT last_was_separator THEN
            normalised := normalised || translate(ch, ${FT_SEPARATOR_CHARS}, ${FT_SEPARATOR_VALUES});
            last_was_separator := true;
          END IF;
        END LOOP;
        with_x := chars[n] ~ '^${FT_X}$' AND length(digits) = 17;
        IF with_x THEN digits := digits || 'X'; END IF;
        normalised := left(normalised, to_last_digit);
        IF NOT with_x AND (
          normalised ~ '^(?:19|20)[0-9][0-9]([-./])(?:0?[1-9]|1[0-2])\\1(?:0?[1-9]|[12][0-9]|3[01])$'
          OR normalised ~ '^[0-9]{1,6}\\.[0-9]{1,2}$'
          OR (normalised ~ '^(?:19|20)[0-9][0-9]([-./])(?:0?[1-9]|1[0-2])\\1(?:0?[1-9]|[12][0-9]|3[01]) (?:[01]?[0-9]|2[0-3])$'
              AND substr(v, e, 3) ~ '^[:：][0-5][0-9]')
        ) THEN
          masked := run;
        ELSE
          head := CASE
            WHEN length(digits) = 11 AND digits ~ '^1[3-9]' THEN 3
            WHEN length(digits) = 13 AND s > 1 AND substr(v, s - 1, 1) IN ('+', '＋') AND digits ~ '^861[3-9]' THEN 5
            WHEN length(digits) >= 13 THEN 3
            ELSE 0 END;
          tail_from := length(digits) - 4;
          masked := '';
          k := 0;
          FOR i IN 1 .. n LOOP
            ch := chars[i];
            IF strpos(${FT_DIGIT_CHARS}, ch) = 0 AND NOT (with_x AND i = n) THEN
              masked := masked || ch;
            ELSE
              masked := masked || CASE WHEN k < head OR k >= tail_from THEN ch ELSE '*' END;
              k := k + 1;
            END IF;
          END LOOP;
        END IF;
        out := out || substr(v, pos, s - pos) || masked;
        pos := e;
      END LOOP;
      out := out || substr(v, pos);
      RETURN regexp_replace(out, '([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*(@[A-Za-z0-9.-]+\\.[A-Za-z]{2,})', '\\1***\\2', 'g');
    END`,
  ],
  ['generalised(v text)', 'sql', `SELECT v`],
];

const signatureOf = (declaration: string) => declaration.replace(/ RETURNS .*/, '').replace(/\b\w+ (text|integer|numeric)/g, '$1');

export class SqlMasks1795530100000 implements MigrationInterface {
  name = 'SqlMasks1795530100000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE SCHEMA policy_masks`);
    for (const [declaration, language, body] of FUNCTIONS) {
      const strict = language === 'plpgsql' ? ' STRICT' : '';
      await queryRunner.query(
        `CREATE FUNCTION policy_masks.${declaration.includes(' RETURNS ') ? declaration : `${declaration} RETURNS text`} LANGUAGE ${language} IMMUTABLE${strict} PARALLEL SAFE AS $mask$\n${body}\n$mask$`,
      );
    }
    await queryRunner.query(`DO $$
      BEGIN
        IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
          GRANT USAGE ON SCHEMA policy_masks TO ${APP_ROLE};
          GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA policy_masks TO ${APP_ROLE};
        END IF;
      END $$`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const [declaration] of [...FUNCTIONS].reverse()) {
      await queryRunner.query(`DROP FUNCTION policy_masks.${signatureOf(declaration)}`);
    }
    await queryRunner.query(`DROP SCHEMA policy_masks`);
  }
}
