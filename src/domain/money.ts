/** Money fits its column: numeric(precision, scale) — checked on input so the database never has to refuse it. */

export function fitsNumeric(value: string, precision: number, scale: number): boolean {
  const match = /^-?(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return false;
  const integerDigits = match[1].replace(/^0+(?=\d)/, '').length;
  return integerDigits <= precision - scale && (match[2] ?? '').length <= scale;
}

/** A message for the field when it does not fit (no value repeated). */
export function numericRule(precision: number, scale: number): string {
  return `must have at most ${precision - scale} digits before the decimal point and ${scale} after it`;
}

/** A validated decimal as numeric(…, 2) returns it: `0120.5` → `120.50`. */
export function toScale2(value: string): string {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(value.trim());
  if (!match) return value;
  return `${match[1]}${match[2].replace(/^0+(?=\d)/, '')}.${(match[3] ?? '').padEnd(2, '0')}`;
}
