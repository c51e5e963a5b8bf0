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
 * NULL for NULL (tested). Only `address` and `money_bucket(text)` need local variables or loops:
 * plpgsql, STRICT. `address`'s column is sealed at rest (its masked form is stored), so it is not
 * on a compiled read's hot path.
 *
 * freeText (maskFreeText) has NO SQL function: it is a Unicode scanner (NFKC, \p{Pd}/\p{Cf} at
 * Node's Unicode version, Chinese numerals, prose rules) that SQL could only approximate. Every
 * free-text column the compiler may read must have its masked form stored (`<column>_masked`,
 * computed in Node on write: src/crypto/sealed-fields.ts); the test lists the free-text fields and
 * fails for one without it.
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
