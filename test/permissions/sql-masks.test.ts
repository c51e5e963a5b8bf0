/**
 * The SQL masks (migrations/1795530100000-SqlMasks.ts, named in permissions/sql-masks.ts) equal
 * permissions/masks.ts exactly: for every strategy, generated values — adversarial ones first:
 * empty, every JS white space, astral code points, combining marks, full-width digits, Chinese,
 * every length around the keep-ends thresholds, money at and around every bucket boundary and the
 * limits of a JS double — are masked by PostgreSQL (one statement per run: unnest of an array) and
 * by the TypeScript; any difference fails. Plus fixed regression examples, NULL, inlining, and for
 * freeText every code point in the character positions of a number run (its digit and separator
 * classes, frozen in the migration, checked against masks.ts's over all of Unicode).
 *
 * SQL_MASK_RUNS sets the runs per strategy (default 25, each a batch of up to 400 values);
 * SQL_MASK_SEED replays a failure.
 */
import fc from 'fast-check';
import { CLASSIFICATION } from '../../permissions/classification';
import { MASKS, MONEY_BUCKETS, type MaskStrategy } from '../../permissions/masks';
import { SQL_MASKS, sqlMask } from '../../permissions/sql-masks';
import { SEALED_TABLES } from '../../src/crypto/sealed-fields';
import { APP_ROLE } from '../../migrations/1795334400000-AuditRegister';
import { createTestDatabase, type TestDatabase } from '../harness/database';

const RUNS = Number(process.env.SQL_MASK_RUNS ?? 25);
const SEED = process.env.SQL_MASK_SEED === undefined ? undefined : Number(process.env.SQL_MASK_SEED);

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

type SqlStrategy = MaskStrategy;
const SQL_STRATEGIES = Object.keys(SQL_MASKS) as MaskStrategy[];

/** Shows a value with its code points, so a failure names the character that differs. */
const show = (value: string | null) =>
  value === null ? 'null' : `${JSON.stringify(value)} [${[...value].map((c) => c.codePointAt(0)!.toString(16)).join(' ')}]`;

/** Masks every value in one statement; returns the values whose SQL and TypeScript results differ. */
async function differences(strategy: SqlStrategy, values: string[], sqlType: 'text' | 'numeric' = 'text'): Promise<string[]> {
  const { rows } = await db.pool.query<{ v: string; m: string | null }>(
    `SELECT v::text AS v, ${sqlMask(strategy, 'v')} AS m FROM unnest($1::${sqlType}[]) WITH ORDINALITY AS u(v, i) ORDER BY i`,
    [values],
  );
  expect(rows).toHaveLength(values.length);
  const out: string[] = [];
  for (const { v, m } of rows) {
    const expected = MASKS[strategy](v);
    if (m !== expected) out.push(`${strategy}(${show(v)}): SQL ${show(m)}, TypeScript ${show(expected)}`);
  }
  return out.slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Values.

/** Every JS white space and line terminator (what \s and trim() take), plus look-alikes they do not. */
const JS_SPACES = ['\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', ...Array.from({ length: 11 }, (_, i) => String.fromCharCode(0x2000 + i)),
  '\u2028', '\u2029', '\u202f', '\u205f', '\u3000', '\ufeff'];
const NOT_SPACES = ['\u180e', '\u200b', '\u200c', '\u200d', '\u2060', '\u0085', '\u001c', '\u001f', '\u00ad'];
const ADVERSARIAL = [
  ...JS_SPACES, ...NOT_SPACES,
  '😀', '𝟎', '𝟗', '🯰', '👨‍👩‍👧', '\u{10ffff}', '\u{1f1e8}\u{1f1f3}', 'e\u0301', '\u0301', '\u0308', '０', '５', '９', 'Ｘ',
  '张', '欧阳', '王', '李', '省', '市', '区', '县', '自治区', '特别行政区', '自治州', '地区', '盟', '浙江', '杭州', '内蒙古', '呼和浩特',
  '新疆维吾尔', '香港', '北京', '西湖', '路', '号', '@', '@@', '.', '-', '+', 'x', 'X', '*', '\\', "'", '%', '_', '$', '1', '0',
  '13812345678', '1985-01-02', 'a', 'Z', '\u0001', '\u007f', '\u00e9', '\ud7ff', '\ue000', '\ufffd', '\uffff',
];
const digit = fc.constantFrom(...'0123456789');
const digits = (min: number, max: number) => fc.array(digit, { minLength: min, maxLength: max }).map((d) => d.join(''));
/** Any code point PostgreSQL text holds (no NUL, no lone surrogate). */
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }).filter((c) => c !== '\0' && !/\p{Cs}/u.test(c));
const piece = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ADVERSARIAL) },
  { weight: 3, arbitrary: digits(1, 6) },
  { weight: 2, arbitrary: anyChar },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 4 }) },
);
/** Strings made of pieces, every length from 0 up (the keep-ends thresholds are at 4 to 13). */
const text = (maxPieces = 24) => fc.array(piece, { maxLength: maxPieces }).map((p) => p.join(''));
/** Exactly n characters from the adversarial pool: every length around the thresholds. */
const ofLength = fc.integer({ min: 0, max: 24 }).chain((n) =>
  fc.array(fc.oneof(digit, fc.constantFrom(...ADVERSARIAL.filter((a) => [...a].length === 1))), { minLength: n, maxLength: n }).map((c) => c.join('')),
);
const spaced = (inner: fc.Arbitrary<string>) =>
  fc.tuple(fc.array(fc.constantFrom(...JS_SPACES, ...NOT_SPACES), { maxLength: 3 }), inner, fc.array(fc.constantFrom(...JS_SPACES, ...NOT_SPACES), { maxLength: 3 }))
    .map(([a, v, b]) => a.join('') + v + b.join(''));
/** Digits with spaces of any kind between groups (cards, phones). */
const groupedDigits = fc.array(fc.tuple(digits(1, 5), fc.array(fc.constantFrom(...JS_SPACES, ...NOT_SPACES, '-', '０'), { maxLength: 2 })), { maxLength: 6 })
  .map((groups) => groups.map(([d, s]) => d + s.join('')).join(''));

/** maskFreeText's pieces: digits of every kind, separators of every kind (dashes, spaces, invisible, full-width), X, prose, e-mails. */
const FT_DIGITS = [...'0123456789０１２３４５６７８９〇零○一幺二两兩三四五六七八九壹贰貳叁參肆伍陆陸柒捌玖²³¹⁰⁴₀₉①⑨⑴⒈⓪⓵❶➀➊'.split(''), '𝟎', '𝟗', '🄁', '🄀', '🯰', '🯹', '\u{1ccf0}'];
const FT_SEPARATORS = [' ', '  ', '\u3000', '\u00a0', '\t', '\n', '\u2028', '-', '－', '—', '–', '~', '〜', '.', '．', '_', '＿', '/', '／', '·', '・', '\u00ad',
  '\u200b', '\u2060', '\ufeff', '\u2212', '\u2e3a', '\ufe58', '\u0600', '\u{e0041}', '\u{1bca0}', '\u{10d6e}', ':', '：', ',', '，'];
const FT_OTHER = ['X', 'x', 'Ｘ', 'ｘ', '+', '＋', '+86', '客户来电', '请回电', '身份证', '卡号', 'card', 'ID', 'phone:', '2026-11-30', '2026-11-30 14:30', '14:30',
  '123456.78', '1,234,567.89', 'a.b@example.com', 'z@x.cn', '@', 'abc_d%e+f-g@mail.example.org', '😀', 'e\u0301', '十', '百'];

const GENERATORS: Record<Exclude<SqlStrategy, 'moneyBucket'>, fc.Arbitrary<string>> = {
  idNumber: fc.oneof(text(), ofLength, digits(0, 20), fc.tuple(digits(17, 17), fc.constantFrom('X', 'x', 'Ｘ', '', '😀')).map(([d, x]) => d + x)),
  card: fc.oneof(text(), ofLength, groupedDigits, spaced(digits(10, 20))),
  cardLast4: fc.oneof(text(), ofLength, groupedDigits, spaced(digits(0, 20))),
  phone: fc.oneof(
    text(), ofLength, digits(9, 13),
    fc.tuple(fc.constantFrom('1', '2', '１', ' 1'), digits(8, 11), fc.constantFrom('', '\n', ' ', '0', '😀')).map(([a, d, b]) => a + d + b),
  ),
  email: fc.oneof(
    text(), ofLength,
    fc.tuple(text(4), fc.constantFrom('@', '@@', ''), text(4), fc.constantFrom('@', ''), text(4)).map((p) => p.join('')),
    fc.tuple(fc.constantFrom('', '😀', '张', 'e\u0301', ' ', 'z'), fc.constantFrom('@example.com', '@', '@😀.cn')).map(([a, b]) => a + b),
  ),
  name: fc.oneof(text(), ofLength, spaced(text(4)), spaced(fc.constantFrom('张三', '欧阳娜娜', '😀', 'e\u0301', 'A', '', '王'))),
  address: fc.oneof(
    text(),
    fc.array(fc.constantFrom('浙江', '省', '市', '区', '县', '自治区', '特别行政区', '自治州', '地区', '盟', '杭州', '内蒙古', '阿拉善', '西湖', '路', '号',
      '\n', '\r', '\u2028', ' ', '\u3000', 'a', '😀', 'e\u0301', '新疆维吾尔', '香港', '北京', '1'), { maxLength: 14 }).map((p) => p.join('')),
  ),
  birthYear: fc.oneof(
    text(), ofLength,
    fc.tuple(digits(3, 5), fc.constantFrom('-', '/', '－'), digits(1, 3), fc.constantFrom('-', '.'), digits(1, 3), fc.constantFrom('', '\n', ' ', '😀', 'T00:00'))
      .map((p) => p.join('')),
    fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  ),
  generalised: text(),
  freeText: fc.oneof(
    { weight: 1, arbitrary: text() },
    { weight: 3, arbitrary: fc.array(fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...FT_DIGITS) },
      { weight: 2, arbitrary: fc.constantFrom(...FT_SEPARATORS) },
      { weight: 1, arbitrary: fc.constantFrom(...FT_OTHER) },
      { weight: 1, arbitrary: piece },
    ), { maxLength: 60 }).map((p) => p.join('')) },
  ),
};

// Money. Exact decimals of the doubles next to each boundary, and of the limits of a double.

/** The exact decimal value of a finite double. */
function exactDecimal(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const negative = bits >> 63n === 1n;
  const exponentBits = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & ((1n << 52n) - 1n);
  const mantissa = exponentBits === 0 ? fraction : fraction | (1n << 52n);
  const exponent = (exponentBits === 0 ? 1 : exponentBits) - 1075;
  let text: string;
  if (exponent >= 0) text = (mantissa << BigInt(exponent)).toString();
  else {
    const scale = -exponent;
    const digitsOf = (mantissa * 5n ** BigInt(scale)).toString().padStart(scale + 1, '0');
    text = `${digitsOf.slice(0, digitsOf.length - scale)}.${digitsOf.slice(digitsOf.length - scale)}`.replace(/\.?0+$/, '');
  }
  return (negative ? '-' : '') + text;
}
/** The next double below x (x > 0). */
function nextDown(x: number): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  view.setBigUint64(0, view.getBigUint64(0) - 1n);
  return view.getFloat64(0);
}
/** Exact halfway point between two doubles, a < b. */
function halfway(a: number, b: number): string {
  const [x, y] = [exactDecimal(a), exactDecimal(b)];
  const scale = Math.max(x.split('.')[1]?.length ?? 0, y.split('.')[1]?.length ?? 0) + 1;
  const big = (s: string) => {
    const [i, f = ''] = s.replace('-', '').split('.');
    const v = BigInt(i + f.padEnd(scale, '0'));
    return s.startsWith('-') ? -v : v;
  };
  const sum = big(x) + big(y); // 2 × halfway, at this scale: halve it one decimal further
  const doubled = sum * 5n; // (sum / 2) at scale + 1
  const negative = doubled < 0n;
  const d = (negative ? -doubled : doubled).toString().padStart(scale + 2, '0');
  return `${negative ? '-' : ''}${d.slice(0, d.length - scale - 1)}.${d.slice(d.length - scale - 1)}`;
}
const TINY = ['0', '1e-2', '1e-13', '1e-20', '1e-60', '1e-1200'];
const shift = (decimalText: string, delta: string, sign: 1 | -1) => `(${decimalText})::numeric ${sign > 0 ? '+' : '-'} ${delta}::numeric`;

/** SQL numeric expressions at and around every boundary and limit. */
const MONEY_EDGES: string[] = (() => {
  const anchors: string[] = [];
  for (const bucket of MONEY_BUCKETS) {
    anchors.push(String(bucket), `-${bucket}`);
    if (bucket > 0) anchors.push(halfway(nextDown(bucket), bucket), exactDecimal(nextDown(bucket)));
  }
  const max = Number.MAX_VALUE;
  anchors.push(exactDecimal(max), `${2n ** 1024n - 2n ** 970n}`, `-${2n ** 1024n - 2n ** 970n}`, `${2n ** 1024n}`);
  anchors.push(exactDecimal(Number.MIN_VALUE), `-${exactDecimal(Number.MIN_VALUE)}`, halfway(-Number.MIN_VALUE, 0));
  anchors.push(exactDecimal(2 ** 53), exactDecimal(2 ** 53 + 2), '9007199254740993');
  return anchors.flatMap((a) => TINY.flatMap((t) => [shift(a, t, 1), shift(a, t, -1)]));
})();

const numericText = fc.oneof(
  fc.integer({ min: -20_000_000, max: 20_000_000 }).chain((n) => fc.integer({ min: 0, max: 99 }).map((c) => `${n}.${String(c).padStart(2, '0')}`)),
  fc.constantFrom(...MONEY_BUCKETS.map(String)).chain((b) => fc.integer({ min: -3, max: 3 }).map((k) => (Number(b) * 100 + k) / 100).map((v) => v.toFixed(2))),
  fc.tuple(fc.constantFrom('', '-'), digits(1, 25), digits(0, 30)).map(([s, i, f]) => `${s}${i}${f ? `.${f}` : ''}`),
  fc.tuple(fc.constantFrom('', '-'), digits(1, 3), fc.integer({ min: -1100, max: 400 })).map(([s, d, e]) => `${s}${d}e${e}`),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '0', '-0', '0.00', '-0.00'),
);
/** What JS Number() meets in text: signs, exponents, points, radix prefixes, white space, garbage. */
const moneyText = fc.oneof(
  numericText,
  spaced(numericText),
  fc.tuple(fc.constantFrom('', '+', '-', ' ', '\u3000', '\ufeff'), fc.constantFrom('', '.', '0x', '0X', '0o', '0b', '0B', 'e', '1e', '.e'),
    fc.oneof(digits(0, 8), fc.constantFrom('ff', 'FF', '17', '101', 'g', '1_000', '1,000', '１２', '٣')),
    fc.constantFrom('', '.', 'e5', 'E-3', 'e+2', 'e', '.5', '%', ' ', '\n', '\u00a0', 'n')).map((p) => p.join('')),
  fc.constantFrom('', ' ', '\u3000', 'Infinity', '+Infinity', '-Infinity', 'infinity', 'NaN', '1e5', ' 100 ', '0x10', '-0x10', '0x', '.', '5.', '.5',
    '+.5e1', '1e', '0b', '0o8', '00012', '1e-1075', '1e309', '-1e309', '1e99999999999999999999', '1e-99999999999999999999', `0x${'f'.repeat(256)}`,
    `0x1${'0'.repeat(255)}`, `0x${'f'.repeat(255)}`, `0b1${'0'.repeat(1023)}`, `0o1${'0'.repeat(341)}`, '0x1fffffffffffff', '0x20000000000001'),
  text(6),
);

const batch = <T>(values: fc.Arbitrary<T>) => fc.array(values, { minLength: 50, maxLength: 400 });
const params = { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) };

// ---------------------------------------------------------------------------------------------

describe('SQL masks equal permissions/masks.ts', () => {
  it('every strategy has a SQL function, IMMUTABLE and PARALLEL SAFE, that the app role may call', async () => {
    expect([...SQL_STRATEGIES].sort()).toEqual(Object.keys(MASKS).sort());
    const { rows } = await db.pool.query<{ name: string; volatile: string; parallel: string; strict: boolean; language: string; usable: boolean | null }>(
      `SELECT p.proname AS name, p.provolatile AS volatile, p.proparallel AS parallel, p.proisstrict AS strict, l.lanname AS language,
              CASE WHEN EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)
                   THEN has_function_privilege($1, p.oid, 'EXECUTE') AND has_schema_privilege($1, 'policy_masks', 'USAGE') END AS usable
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_language l ON l.oid = p.prolang
       WHERE n.nspname = 'policy_masks' ORDER BY 1`,
      [APP_ROLE],
    );
    for (const name of Object.values(SQL_MASKS)) {
      expect(rows.map((r) => `policy_masks.${r.name}`)).toContain(name);
    }
    for (const row of rows) {
      expect(row).toMatchObject({ volatile: 'i', parallel: 's' });
      // SQL bodies are not STRICT so that PostgreSQL inlines them (a STRICT body with CASE is not inlined).
      expect(row.strict).toBe(row.language === 'plpgsql');
      expect(row.usable).not.toBe(false);
    }
    expect(rows.some((r) => r.usable === true)).toBe(true);
  });

  it('the app role calls them (USAGE on the schema, EXECUTE on the functions)', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL ROLE ${APP_ROLE}`);
      const { rows } = await client.query(`SELECT ${sqlMask('phone', "'13812345678'")} AS m`);
      expect(rows[0].m).toBe('138****5678');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('NULL stays NULL', async () => {
    const calls = SQL_STRATEGIES.map((s) => `${sqlMask(s, 'NULL::text')} IS NULL`).concat(`${sqlMask('moneyBucket', 'NULL::numeric')} IS NULL`);
    const { rows } = await db.pool.query(`SELECT ${calls.map((c, i) => `${c} AS c${i}`).join(', ')}`);
    expect(Object.values(rows[0])).toEqual(calls.map(() => true));
  });

  it('the LANGUAGE sql masks are inlined: the plan holds their expression, no function call', async () => {
    // address, free_text and money_bucket(text) are plpgsql (not inlinable).
    const inlined = SQL_STRATEGIES.filter((s) => s !== 'address' && s !== 'moneyBucket' && s !== 'freeText');
    const { rows } = await db.pool.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN (VERBOSE, COSTS OFF) SELECT ${inlined.map((s) => sqlMask(s, 'v')).join(', ')}, ${sqlMask('moneyBucket', 'v::numeric')}
       FROM unnest($1::text[]) AS u(v)`,
      [['1']],
    );
    const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(plan).not.toMatch(/policy_masks\./);
    expect(plan).toMatch(/regexp_replace/); // the card's expression, in place
  });

  it.each([
    ['idNumber', ['11010519491231002X', '1101051949123100', '1234567', '12345678', '', '😀😀😀😀😀😀😀😀', '𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕']],
    // maskCard counts UTF-16 units (`digits.length < 13`): 12 code points with one astral are 13.
    ['card', ['\u200c000\u{10000}000000!', '6222 0212 3456 7890', '6222\u30000212\u00a03456\ufeff7890', '1234 5678 9012', '123456789012', '1234567890123', '1\u200b234567890123', '']],
    ['cardLast4', ['6222 0212 3456 7890', '123', '1234', '12345', '\u2028 1 2 3 4 5', '']],
    ['phone', ['13812345678', '1381234567', '138123456789', '13812345678\n', '１3812345678', '+8613812345678', '02112345678', '']],
    ['email', ['zhang@example.com', '@example.com', 'a@b@c', '', 'no-at', '😀@x.cn', 'e\u0301@x', '@', '@@', 'a@']],
    ['name', ['张三', ' 张三 ', '\u3000欧阳娜娜\u3000', '王', ' 王 ', '', '   ', '\u3000', '\u200b张三', 'e\u0301', '😀a', '\ufeff李\u2028']],
    ['address', ['浙江省杭州市西湖区文三路', '北京市朝阳区', '内蒙古自治区呼和浩特市新城区', '香港特别行政区', '新疆维吾尔自治区伊犁哈萨克自治州', '西湖区',
      '浙江\n省杭州市', '浙江省\n杭州市', '北京市市', '省', '一二三四五六七八九省', '一二三四五六七八省', '浙江省区杭州市', '浙江省杭州区市', '浙江省阿拉善盟x', '浙江省乌兰察布地区y', '']],
    ['birthYear', ['1985-01-02', '1985-1-2', '1985-01-02\n', '１985-01-02', '😀', '', '19850102', '01985-01-02', 'a😀b']],
    ['moneyBucket', ['0', '9999.99', '10000', '10000.00', '-0.01', '-0', '', ' ', '1e5', ' 100 ', '0x10', 'NaN', 'Infinity', '10000000', '1e400', 'abc', '9999.9999999999999']],
    ['generalised', ['1985', '', ' x ']],
    ['freeText', ['请拨打13812345678联系', '+8613812345678', '＋86 138 1234 5678', '身份证11010519491231002X', '1101051949123100２ｘ', '卡号6222 0212 3456 7890 123',
      '一三八一二三四五六七八', '壹叁捌壹贰叁肆伍陆柒捌', '2026-11-30', '2026-11-30 14:30', '2026-11-30 14', '20261130', '123456.78', '1234567.89', '1,234,567.89',
      'z.hang@example.com 电话 138-1234-5678', '１８８\u3000１２３４\u3000５６７８', '1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7', '', '一个人', '𝟏𝟑𝟖𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖']],
  ] as [SqlStrategy, string[]][])('%s: fixed regression examples', async (strategy, values) => {
    expect(await differences(strategy, values)).toEqual([]);
  });

  it.each(Object.keys(GENERATORS) as (keyof typeof GENERATORS)[])('%s: generated values (property, batches of up to 400)', async (strategy) => {
    await fc.assert(
      fc.asyncProperty(batch(GENERATORS[strategy]), async (values) => {
        expect(await differences(strategy, values)).toEqual([]);
      }),
      params,
    );
  });

  it('moneyBucket(numeric): at and around every bucket boundary and the limits of a double, exactly', async () => {
    expect(MONEY_EDGES.length).toBeGreaterThan(300);
    const { rows } = await db.pool.query<{ v: string }>(`SELECT v::text AS v FROM (VALUES ${MONEY_EDGES.map((e) => `((${e}))`).join(', ')}) AS x(v)`);
    expect(await differences('moneyBucket', rows.map((r) => r.v), 'numeric')).toEqual([]);
    // The edges are real edges: both sides of them occur.
    const buckets = new Set(rows.map((r) => MASKS.moneyBucket(r.v)));
    for (const expected of ['*', '<0', '0-10000', '10000000+', '5000000-10000000']) expect(buckets).toContain(expected);
  });

  it('moneyBucket(numeric): generated amounts (property)', async () => {
    await fc.assert(
      fc.asyncProperty(batch(numericText), async (values) => {
        expect(await differences('moneyBucket', values, 'numeric')).toEqual([]);
      }),
      params,
    );
  });

  it('moneyBucket(text): what JS Number() accepts and refuses (property)', async () => {
    await fc.assert(
      fc.asyncProperty(batch(moneyText), async (values) => {
        expect(await differences('moneyBucket', values)).toEqual([]);
      }),
      params,
    );
  });

  it('the money columns are numeric with two decimals (what money_bucket(numeric) meets in practice)', async () => {
    const { rows } = await db.pool.query<{ c: string }>(
      `SELECT table_name || '.' || column_name || ' ' || data_type || '(' || numeric_precision || ',' || numeric_scale || ')' AS c
       FROM information_schema.columns WHERE table_schema = 'public' AND column_name IN ('annual_income', 'total_assets', 'amount') ORDER BY 1`,
    );
    expect(rows.map((r) => r.c)).toEqual(['customers.annual_income numeric(18,2)', 'customers.total_assets numeric(20,2)', 'transactions.amount numeric(18,2)']);
  });
});

describe('freeText: policy_masks.free_text equals maskFreeText', () => {
  const template = {
    inside: (c: string) => `123${c}4567`, // a separator joins 3 + 4 digits into a run of 7; a digit makes 8
    after: (c: string) => `123456${c}`, // a digit makes a run of 7
  };

  it('every code point, as a digit or a separator of a run: the same classes and the same output as masks.ts', async () => {
    const ts = new Map<number, [string, string]>();
    for (let cp = 1; cp <= 0x10ffff; cp += 1) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const a = MASKS.freeText(template.inside(c));
      const b = MASKS.freeText(template.after(c));
      if (a !== template.inside(c) || b !== template.after(c)) ts.set(cp, [a, b]);
    }
    expect(ts.size).toBeGreaterThan(400); // 215 digits and 242 separators at Unicode 17
    const { rows } = await db.pool.query<{ cp: number; a: string; b: string }>(
      `SELECT cp, a, b FROM (
         SELECT cp, policy_masks.free_text('123' || chr(cp) || '4567') AS a, policy_masks.free_text('123456' || chr(cp)) AS b, chr(cp) AS c
         FROM generate_series(1, 1114111) AS cp WHERE cp NOT BETWEEN 55296 AND 57343 OFFSET 0) x
       WHERE a <> '123' || c || '4567' OR b <> '123456' || c ORDER BY cp`,
    );
    const sql = new Map(rows.map((r) => [r.cp, [r.a, r.b] as [string, string]]));
    const differ = [...new Set([...ts.keys(), ...sql.keys()])]
      .filter((cp) => JSON.stringify(ts.get(cp)) !== JSON.stringify(sql.get(cp)))
      .map((cp) => `U+${cp.toString(16)}: TypeScript ${JSON.stringify(ts.get(cp))}, SQL ${JSON.stringify(sql.get(cp))}`);
    expect(differ.slice(0, 20)).toEqual([]);
  });

  it('every digit and every separator in the places the prose rules and the kept digits look at', async () => {
    const digitChars: string[] = [];
    const separatorChars: string[] = [];
    for (let cp = 1; cp <= 0x10ffff; cp += 1) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (MASKS.freeText(template.after(c)) !== template.after(c)) digitChars.push(c);
      else if (MASKS.freeText(template.inside(c)) !== template.inside(c)) separatorChars.push(c);
    }
    const values = [
      ...digitChars.flatMap((c) => [
        `1${c}812345678`, `+861${c}812345678`, `＋861${c}812345678`, `2026-1${c}-01`, `2026-0${c}-01`, `2026-12-3${c}`, `2026-12-${c}1`,
        `2026-11-30 ${c}4:30`, `2026-11-30 1${c}:30`, `2026-11-30 1${c}：59`, `19${c}9.1.1`, `12345${c}.78`, `1234567${c}`, `1101051949123100${c}X`,
        `${c}${c}${c}${c}${c}${c}${c}${c}${c}${c}${c}${c}${c}`, `a.b${c}@example.com 1${c}3`,
      ]),
      ...separatorChars.flatMap((c) => [
        `2026${c}11${c}30`, `2026${c}11${c}30 14:30`, `2026-11-30${c}14:30`, `2026-11-30${c}${c}14:30`, `2026-11-30${c}14:3`, `123456${c}78`,
        `1234${c}${c}567`, `12345678901234567${c}X`, `12345678901234567${c}${c}ｘ`, `1${c}3812345678`, `+86${c}13812345678`, `+${c}8613812345678`,
        `${c}1234567${c}`, `2026${c}1${c}1`, `1${c}2${c}3${c}4${c}5${c}6${c}7${c}8`,
      ]),
    ];
    expect(digitChars.length).toBeGreaterThan(200);
    expect(separatorChars.length).toBeGreaterThan(200);
    for (let i = 0; i < values.length; i += 2000) {
      expect(await differences('freeText', values.slice(i, i + 2000))).toEqual([]);
    }
  });

  it('every sealed free-text field has its `<column>_masked` column: a masked read selects it, not free_text', async () => {
    const sealed = Object.values(SEALED_TABLES).flatMap((t) => t.fields.filter((f) => f.mask === 'freeText').map((f) => `${t.table}.${f.column}_masked`));
    expect(sealed.length).toBeGreaterThan(0);
    const { rows } = await db.pool.query<{ c: string }>(
      `SELECT table_name || '.' || column_name AS c FROM information_schema.columns WHERE table_schema = 'public' AND column_name LIKE '%\\_masked'`,
    );
    for (const column of sealed) expect(rows.map((r) => r.c)).toContain(column);
    // The free texts that are not sealed (staff notes on consents, reviews, erasures, manager changes) use free_text.
    const freeText = Object.entries(CLASSIFICATION).flatMap(([type, fields]) =>
      Object.entries(fields).filter(([, c]) => typeof c === 'object' && c !== null && 'mask' in c && c.mask === 'freeText').map(([field]) => `${type}.${field}`),
    );
    expect(freeText.length).toBeGreaterThan(sealed.length);
  });
});
