/** Custom scalars: exact decimal money (never a float) and calendar dates. */
import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const DECIMAL_PATTERN = /^-?\d{1,18}(\.\d{1,4})?$/;

/** The scalars' own error messages: fixed text, no value (error hygiene allows them verbatim). */
export const DECIMAL_ERROR = 'Decimal must be a decimal number as a string, e.g. "1250.00"';
export const DATE_ERROR = 'Date must be a calendar date "YYYY-MM-DD"';

function parseDecimal(value: unknown): string {
  const text = typeof value === 'string' ? value.trim() : typeof value === 'number' && Number.isFinite(value) ? String(value) : null;
  if (text === null || !DECIMAL_PATTERN.test(text)) {
    // The value itself is not echoed: amounts are personal data too.
    throw new GraphQLError(DECIMAL_ERROR, {
      extensions: { code: 'BAD_USER_INPUT' },
    });
  }
  return text;
}

export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'An exact decimal number serialised as a string ("1250.00"); money is never a float.',
  serialize: (value) => String(value),
  parseValue: parseDecimal,
  parseLiteral: (ast) => {
    if (ast.kind === Kind.STRING || ast.kind === Kind.INT || ast.kind === Kind.FLOAT) return parseDecimal(ast.value);
    return parseDecimal(null);
  },
});

const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

function parseDate(value: unknown): string {
  if (typeof value === 'string' && DATE_PATTERN.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    return value;
  }
  throw new GraphQLError(DATE_ERROR, { extensions: { code: 'BAD_USER_INPUT' } });
}

export const DateScalar = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'A calendar date, "YYYY-MM-DD" (no time zone).',
  serialize: (value) => String(value),
  parseValue: parseDate,
  parseLiteral: (ast) => parseDate(ast.kind === Kind.STRING ? ast.value : null),
});
